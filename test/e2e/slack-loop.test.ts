import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/audit-log.ts';
import { loadConfig } from '../../src/config/config.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { type RunningServer, startServer } from '../../src/surfaces/http/server.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { buttonClickBody, postSigned, signedHeaders, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-signing-secret';
const APPROVER = 'U0APPROVER1';
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';

describe('the whole loop through Slack over real HTTP', () => {
  let slack: FakeSlack;
  let sandbox: Sandbox;
  let app: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-e2e-'));
    slack = new FakeSlack();
    await slack.start();
    sandbox = await startSandbox({
      stateYaml: await readFile(DEMO_SEED, 'utf8'),
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    await writeFile(join(dir, 'claw.yaml'), `approvals:\n  approvers: [${APPROVER}]\n  ttlMinutes: 30\n`);
    const config = loadConfig(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        KUBECONFIG: join(dir, 'kubeconfig'),
        CLAW_CONFIG: join(dir, 'claw.yaml'),
        LOG_LEVEL: 'warn',
      },
      dir,
    );
    app = await startServer(config, {
      memoryStore: true,
      slackClientOptions: { retryConfig: { retries: 0 } },
      botId: 'B0BOT',
      botUserId: 'U0BOT',
      slackUpdateEveryMs: 100,
      supervisor: { pollMs: 100 },
    });
    // The seeded release crashes one second after start: wait until the cluster shows it.
    await waitFor('the crash loop', () =>
      sandbox.state.store.list(T.pod, 'shop').some((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated),
    );
  });

  afterAll(async () => {
    await app?.stop();
    await sandbox?.stop();
    await slack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const events = () => `${app.url}/slack/events`;
  const realPatches = () => sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);

  it('answers health before anything else', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('rejects a forged signature with 401 and creates nothing', async () => {
    const body = slashCommandBody({ text: 'investigate checkout', user: ONCALL, channel: CHANNEL });
    const res = await fetch(events(), { method: 'POST', body, headers: signedHeaders('not-the-secret', body) });
    expect(res.status).toBe(401);
    const stale = await fetch(events(), {
      method: 'POST',
      body,
      headers: signedHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 600),
    });
    expect(stale.status).toBe(401);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers malformed bodies with 400 and oversized ones with 413, and keeps serving', async () => {
    expect((await postSigned(events(), SECRET, 'payload=%7Bnot-json')).status).toBe(400);
    expect((await postSigned(events(), SECRET, `text=${'x'.repeat(2 * 1024 * 1024)}`)).status).toBe(413);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('answers unknown input with ephemeral usage help', async () => {
    const res = await postSigned(
      events(),
      SECRET,
      slashCommandBody({ text: 'status not-a-run', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('/claw investigate');
  });

  it('investigates, proposes, refuses a non-approver, executes a double-clicked approval once, and reports', async () => {
    const started = Date.now();
    const res = await postSigned(
      events(),
      SECRET,
      slashCommandBody({ text: 'investigate checkout is failing after the release', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);

    const root = await waitFor('the root message', () =>
      slack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts),
    );
    expect(root.args.channel).toBe(CHANNEL);
    expect(String(root.args.text) + JSON.stringify(root.args.blocks)).toContain('cluster `sandbox`');
    const rootTs = `${1700000001}.000100`;
    const card = await waitFor(
      'the proposal card',
      () => slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    expect(card.args.thread_ts).toBe(rootTs);
    const buttons = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => b.action_id)).toEqual(['claw_approve', 'claw_reject', 'claw_view_diff']);
    const proposalId = buttons[0].value as string;
    expect(proposalId).toMatch(/^prop_/);
    const finding = slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('crash_loop'));
    expect(finding?.args.thread_ts).toBe(rootTs);
    expect(JSON.stringify(card.args.blocks)).toContain('cart:1.4.1');
    expect(realPatches()).toHaveLength(0);

    const cardTs = card.result!.ts as string;
    const click = (user: string) =>
      postSigned(
        events(),
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposalId,
          user,
          channel: CHANNEL,
          messageTs: cardTs,
          threadTs: rootTs,
        }),
      );

    // Someone who is not an approver: nothing changes, an ephemeral explains why.
    expect((await click('U0STRANGER')).status).toBe(200);
    const refusal = await waitFor('the ephemeral refusal', () =>
      slack.callsTo('chat.postEphemeral').find((c) => c.args.user === 'U0STRANGER'),
    );
    expect(refusal.args.text).toContain('not an approver');
    await new Promise((r) => setTimeout(r, 300));
    expect(realPatches()).toHaveLength(0);

    // A double click by the approver: two concurrent requests, one decision, one execution.
    const [a, b] = await Promise.all([click(APPROVER), click(APPROVER)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const loser = await waitFor('the double-click explanation', () =>
      slack.callsTo('chat.postEphemeral').find((c) => c.args.user === APPROVER),
    );
    expect(loser.args.text).toMatch(/already (approved|executing|executed|recorded)|already recorded a decision/);
    const outcome = await waitFor(
      'the outcome in the thread',
      () => slack.callsTo('chat.postMessage').find((c) => String(c.args.text).startsWith(':white_check_mark: Applied')),
      60_000,
    );
    expect(outcome.args.thread_ts).toBe(rootTs);
    expect(outcome.args.text).toContain('successfully rolled out');
    const final = await waitFor('the final summary', () =>
      slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Run succeeded')),
    );
    expect(final.args.thread_ts).toBe(rootTs);
    // The last word lists what was found (with evidence) and each proposal's fate, linked to its card.
    const last = JSON.stringify(final.args.blocks);
    expect(last).toContain('*Findings*');
    expect(last).toContain('`crash_loop` Deployment `shop/cart`');
    expect(last).toContain(
      `— *executed* (<https://example.slack.com/archives/${CHANNEL}/p${cardTs.replace('.', '')}|card>)`,
    );

    const cardUpdate = slack.callsTo('chat.update').find((c) => c.args.ts === cardTs);
    expect(JSON.stringify(cardUpdate?.args.blocks)).toContain(`Approved* by <@${APPROVER}>`);
    expect(JSON.stringify(cardUpdate?.args.blocks)).not.toContain('claw_approve');

    const patches = realPatches();
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe('/apis/apps/v1/namespaces/shop/deployments/cart');
    const cart = sandbox.state.store.get(T.deployment, 'shop', 'cart')!;
    expect(cart.spec.template.spec.containers[0].image).toBe('registry.example.com/shop/cart:1.4.1');
    expect(cart.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');

    const db = app.runtime.store.db;
    const p = await db.selectFrom('proposals').selectAll().where('id', '=', proposalId).executeTakeFirstOrThrow();
    expect(p.status).toBe('executed');
    const approvals = await db.selectFrom('approvals').selectAll().where('proposal_id', '=', proposalId).execute();
    expect(approvals.map((x) => x.actor)).toEqual([APPROVER]);
    const audit = await db.selectFrom('audit_log').select(['action', 'actor']).orderBy('seq').execute();
    expect(audit.map((x) => x.action)).toEqual(
      expect.arrayContaining([
        'proposal.created',
        'proposal.decision_refused',
        'proposal.approve',
        'proposal.approved_final',
        'proposal.executing',
        'proposal.executed',
      ]),
    );
    expect(audit.filter((x) => x.action === 'proposal.executing')).toHaveLength(1);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: audit.length });

    // A late click after execution changes nothing.
    const before = slack.callsTo('chat.postEphemeral').length;
    await click(APPROVER);
    const late = await waitFor('the late-click explanation', () =>
      slack
        .callsTo('chat.postEphemeral')
        .slice(before)
        .find((c) => c.args.user === APPROVER),
    );
    expect(late.args.text).toContain('already executed');
    expect(realPatches()).toHaveLength(1);
  });
});

describe('a restart through Slack when there is no revision to roll back to', () => {
  it('proposes rollout_restart and applies it exactly once on approval', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-e2e-restart-'));
    const slack = new FakeSlack();
    await slack.start();
    const sandbox = await startSandbox({
      stateYaml: await readFile(join(import.meta.dirname, '..', 'fixtures', 'single-revision-crash.yaml'), 'utf8'),
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    await writeFile(join(dir, 'claw.yaml'), `approvals:\n  approvers: [${APPROVER}]\n`);
    const config = loadConfig(
      {
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        KUBECONFIG: join(dir, 'kubeconfig'),
        CLAW_CONFIG: join(dir, 'claw.yaml'),
        LOG_LEVEL: 'warn',
      },
      dir,
    );
    const app = await startServer(config, {
      memoryStore: true,
      slackClientOptions: { retryConfig: { retries: 0 } },
      botId: 'B0BOT',
      botUserId: 'U0BOT',
      supervisor: { pollMs: 100 },
    });
    try {
      await waitFor('the crash loop', () =>
        sandbox.state.store
          .list(T.pod, 'payments')
          .some((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated),
      );
      const rsBefore = sandbox.state.store
        .list(T.replicaSet, 'payments')
        .filter((rs) => rs.metadata.name.startsWith('ledger-worker')).length;
      await postSigned(
        `${app.url}/slack/events`,
        SECRET,
        slashCommandBody({ text: 'ledger worker keeps dying in payments', user: ONCALL, channel: CHANNEL }),
      );
      const card = await waitFor(
        'the proposal card',
        () =>
          slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
        30_000,
      );
      expect(JSON.stringify(card.args.blocks)).toContain('rollout_restart');
      const proposalId = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements[0].value as string;
      const cardTs = `${1700000000 + slack.callsTo('chat.postMessage').indexOf(card) + 1}.000100`;
      const click = () =>
        postSigned(
          `${app.url}/slack/events`,
          SECRET,
          buttonClickBody({
            actionId: 'claw_approve',
            value: proposalId,
            user: APPROVER,
            channel: CHANNEL,
            messageTs: cardTs,
            threadTs: card.args.thread_ts,
          }),
        );
      await Promise.all([click(), click(), click()]);
      // The restarted pods run the same crashing image: applied, but the rollout cannot verify.
      const outcome = await waitFor(
        'the outcome',
        () => slack.callsTo('chat.postMessage').find((c) => /Applied|Not applied/.test(String(c.args.text))),
        60_000,
      );
      expect(outcome.args.thread_ts).toBe(card.args.thread_ts);
      const patches = sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);
      expect(patches).toHaveLength(1);
      expect(patches[0]!.contentType).toContain('strategic-merge-patch');
      const worker = sandbox.state.store.get(T.deployment, 'payments', 'ledger-worker')!;
      expect(worker.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
      expect(
        sandbox.state.store.list(T.replicaSet, 'payments').filter((rs) => rs.metadata.name.startsWith('ledger-worker'))
          .length,
      ).toBe(rsBefore + 1);
    } finally {
      await app.stop();
      await sandbox.stop();
      await slack.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
