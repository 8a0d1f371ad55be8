import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { openStore, type StoreHandle } from '../../src/store/db.ts';
import { listRunEvents } from '../../src/store/run-events.ts';
import { getRun } from '../../src/store/runs.ts';
import type { Run } from '../../src/store/schema.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/fake-model-server.ts';
import { CLAW } from '../helpers/cli.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scenarios', 'crash-loop-bad-release', 'cluster.yaml');
const CLAUDE = 'anthropic:claude-sonnet-4-6';

// Two processes on one PostgreSQL server: only a real server has them (PGlite is one process).
describe.skipIf(!TEST_DATABASE_URL)('runs survive their process (real PostgreSQL server)', () => {
  let sandbox: Sandbox;
  let fake: FakeModelServer;
  let t: TestDb;
  let dir: string;
  let replica: StoreHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-takeover-'));
    sandbox = await startSandbox({
      stateYaml: await readFile(SCENARIO, 'utf8'),
      tickMs: 50,
      warmupSeconds: 60,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    fake = await startFakeModelServer();
    t = await openTestDb('postgres');
    replica = await openStore({ databaseUrl: t.url, dataDir: '', signing: { key: TEST_SIGNING_KEY } });
    await writeFile(
      join(dir, 'claw.yaml'),
      `approvals:\n  approvers: [U0APPROVER1]\nmodels:\n  routes:\n    investigate: ["${CLAUDE}", runbooks]\nruns:\n  leaseSeconds: 1\n`,
    );
  });
  afterAll(async () => {
    await replica?.close();
    await sandbox.stop();
    await fake.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.url,
    DATABASE_URL: t.url,
    CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
    KUBECONFIG: join(dir, 'kubeconfig'),
    CLAW_CONFIG: join(dir, 'claw.yaml'),
  });

  /**
   * `claw serve` as a child process running a model investigation whose second turn hangs (the
   * third would report): resolves once that turn is in flight, for the test to stop the process.
   */
  async function serveWithTurnInFlight(
    childEnv: Record<string, string | undefined>,
  ): Promise<{ child: ChildProcess; run: Run }> {
    fake.requests.length = 0;
    fake.script(
      { text: 'Analyzers first.', toolCalls: [{ name: 'find_problems', input: { namespace: 'shop' } }] },
      { delayMs: 60_000 },
      {
        toolCalls: [
          {
            name: 'report',
            input: {
              summary: 'cart 1.4.2 crash-loops.',
              findings: [
                {
                  category: 'crash_loop',
                  summary: 'shop/cart crash-loops',
                  object: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
                  evidence: ['exit code 1'],
                },
              ],
            },
          },
        ],
      },
    );
    const child = spawn(process.execPath, [CLAW, 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...childEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      await waitFor('claw serve to listen', () => stderr.includes('claw serve listening'), 30_000);
      const { run } = await createTask(t.db, {
        kind: 'investigate',
        source: 'cli',
        requester: 'cli:oncall',
        question: 'checkout is failing',
        namespace: 'shop',
      });
      await waitFor('the second model turn to be in flight', () => fake.requests.length >= 2, 20_000);
      return { child, run };
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  it('wakes an idle supervisor through LISTEN/NOTIFY the moment a run is queued', async () => {
    const config = loadConfig(env(), dir);
    // A poll interval of a minute: only the notification can explain a claim within seconds.
    const supervisor = testSupervisor({
      db: replica.db,
      config: { ...config, models: { ...config.models, routes: { investigate: ['runbooks'] } } },
      kubeConfigFor: () => kubeConfigOf(sandbox),
      listen: replica.listen,
      pollMs: 60_000,
    });
    await supervisor.start();
    await new Promise((r) => setTimeout(r, 300));
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'anything wrong?',
      namespace: 'shop',
    });
    const queuedAt = Date.now();
    await waitFor('the run to be claimed', async () => (await getRun(t.db, run.id))?.status !== 'queued', 5000, 20);
    expect(Date.now() - queuedAt).toBeLessThan(2000);
    await waitFor('the run to rest', async () => (await getRun(t.db, run.id))?.status === 'awaiting_approval', 20_000);
    await supervisor.stop();
  });

  it('resumes a run from its stored transcript after its process is SIGKILLed mid-run', async () => {
    const { child, run } = await serveWithTurnInFlight(env());
    try {
      const before = await getRun(t.db, run.id);
      expect(before).toMatchObject({ status: 'running', worker: CLAUDE });
      expect(before!.lease_owner).toMatch(/:\d+$/);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const shown = await listRunEvents(t.db, run.id);
      expect(shown.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_call', 'tool_result']));

      const survivor = testSupervisor({
        db: replica.db,
        config: loadConfig(env(), dir),
        kubeConfigFor: () => kubeConfigOf(sandbox),
        listen: replica.listen,
        pollMs: 100,
        owner: 'survivor',
      });
      await survivor.start();
      const done = await waitFor(
        'the survivor to finish the run',
        async () => {
          const r = await getRun(t.db, run.id);
          return r?.status === 'succeeded' ? r : undefined;
        },
        20_000,
      );
      await survivor.stop();

      expect(done).toMatchObject({ worker: CLAUDE, summary: 'cart 1.4.2 crash-loops.' });
      expect(done.history.map((h) => h.outcome)).toEqual(['started', 'orphaned', 'started', 'finished']);
      expect(done.history[1]!.reason).toMatch(/^lease expired/);
      // The survivor asked the model to continue from the stored transcript, not from scratch:
      // the question, the find_problems call and its result, and no second find_problems.
      const resumed = fake.requests[2]!.body.messages;
      expect(resumed).toHaveLength(3);
      expect(resumed[2].content[0]).toMatchObject({ type: 'tool_result' });
      expect(resumed[2].content[0].content).toContain('<cluster-data tool="find_problems"');
      // Everything shown before the crash is still there, once, in order; the survivor appended after it.
      const events = await listRunEvents(t.db, run.id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.slice(0, shown.length)).toEqual(shown);
      // The opening analyzer run and the model's find_problems, each once: nothing was redone.
      expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ type: 'final', data: { status: 'succeeded' } });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('hands a run back at once on SIGTERM (graceful shutdown) and another replica continues it from its transcript', async () => {
    // A long lease: only the hand-back, not lease expiry, can explain a prompt takeover.
    await writeFile(
      join(dir, 'claw-term.yaml'),
      `approvals:\n  approvers: [U0APPROVER1]\nmodels:\n  routes:\n    investigate: ["${CLAUDE}", runbooks]\nruns:\n  leaseSeconds: 120\n  shutdownSeconds: 1\n`,
    );
    const termEnv = { ...env(), CLAW_CONFIG: join(dir, 'claw-term.yaml') };
    const { child, run } = await serveWithTurnInFlight(termEnv);
    try {
      const sent = Date.now();
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      const exitedAfter = Date.now() - sent;
      expect(code).toBe(0);
      expect(exitedAfter).toBeLessThan(15_000);
      const released = await getRun(t.db, run.id);
      expect(released).toMatchObject({ status: 'queued', lease_owner: null, worker: CLAUDE });
      expect(released!.history.map((h) => h.outcome)).toEqual(['started', 'released']);

      const survivor = testSupervisor({
        db: replica.db,
        config: loadConfig(termEnv, dir),
        kubeConfigFor: () => kubeConfigOf(sandbox),
        listen: replica.listen,
        pollMs: 100,
        owner: 'survivor',
      });
      await survivor.start();
      const done = await waitFor(
        'the survivor to finish the run',
        async () => {
          const r = await getRun(t.db, run.id);
          return r?.status === 'succeeded' ? r : undefined;
        },
        20_000,
      );
      await survivor.stop();
      expect(done.history.map((h) => h.outcome)).toEqual(['started', 'released', 'started', 'finished']);
      // It continued from the saved transcript: the third request carries the first turn's tool result.
      expect(fake.requests[2]!.body.messages).toHaveLength(3);
      const events = await listRunEvents(t.db, run.id);
      expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(2);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
