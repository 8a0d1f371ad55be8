import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { type RunningServer, type ServerOptions, startServer } from '../../src/surfaces/http/server.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { TEST_SIGNING_KEY } from './test-db.ts';
import { waitFor } from './wait-for.ts';

export interface SlackAppHarness {
  slack: FakeSlack;
  sandbox: Sandbox;
  app: RunningServer;
  /** `${app.url}/slack/events` */
  events(): string;
}

/**
 * For a describe block: the fake Slack, an incident in a sandbox (the demo's unless `seed` names
 * another state file; its crash loop showing in `crashingIn`), and `claw serve` on the embedded
 * store wired to both, with `clawYaml` as claw.yaml and `env` over the defaults (HTTP mode,
 * signed with `secret`). Stopped after the block.
 */
export function useSlackApp(opts: {
  secret?: string;
  /** Functions are read when the block starts, after the caller's own beforeAll hooks registered before. */
  clawYaml: string | (() => string);
  env?: Record<string, string> | (() => Record<string, string>);
  server?: Partial<ServerOptions>;
  seed?: string;
  /** The namespace whose crash loop the block waits for; false for a seed without one. */
  crashingIn?: string | false;
}): SlackAppHarness {
  const h = {} as SlackAppHarness;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-e2e-'));
    h.slack = new FakeSlack();
    await h.slack.start();
    h.sandbox = await startSandbox({
      stateYaml: await readFile(opts.seed ?? DEMO_SEED, 'utf8'),
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    await writeFile(join(dir, 'claw.yaml'), typeof opts.clawYaml === 'function' ? opts.clawYaml() : opts.clawYaml);
    const config = loadConfig(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: h.slack.url,
        KUBECONFIG: join(dir, 'kubeconfig'),
        CLAW_CONFIG: join(dir, 'claw.yaml'),
        LOG_LEVEL: 'warn',
        CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
        ...(opts.secret ? { SLACK_SIGNING_SECRET: opts.secret } : {}),
        ...(typeof opts.env === 'function' ? opts.env() : opts.env),
      },
      dir,
    );
    // No scheduled jobs (a 09:00 digest would land among the posts a test counts): the supervisor
    // does the housekeeping itself, as without a scheduler. test/e2e/scheduled-jobs.test.ts runs them.
    h.app = await startServer(config, {
      memoryStore: true,
      slackClientOptions: { retryConfig: { retries: 0 } },
      botId: 'B0BOT',
      botUserId: 'U0BOT',
      slackUpdateEveryMs: 100,
      supervisor: { pollMs: 100 },
      scheduler: false,
      ...opts.server,
    });
    // The seeded release crashes soon after start: wait until the cluster shows it.
    const crashing = opts.crashingIn;
    if (crashing !== false)
      await waitFor('the crash loop', () =>
        h.sandbox.state.store
          .list(T.pod, crashing ?? 'shop')
          .some((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated),
      );
  });
  afterAll(async () => {
    await h.app?.stop();
    await h.sandbox?.stop();
    await h.slack?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  h.events = () => `${h.app.url}/slack/events`;
  return h;
}
