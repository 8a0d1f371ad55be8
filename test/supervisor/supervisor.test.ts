import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { sandboxKubeconfig } from '../../src/sandbox/kubeconfig.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { listRunEvents } from '../../src/store/run-events.ts';
import { getRun } from '../../src/store/runs.ts';
import type { RunSink } from '../../src/supervisor/run-sink.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

describe('supervisor', () => {
  let t: TestDb;
  let blackhole: Server;
  let kc: KubeConfig;

  beforeAll(async () => {
    t = await openTestDb('pglite');
    // An API server that accepts connections and never answers: a hung cluster.
    blackhole = createServer(() => {});
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromString(sandboxKubeconfig(`http://127.0.0.1:${(blackhole.address() as { port: number }).port}`));
  });
  afterAll(async () => {
    blackhole.close();
    await t.close();
  });

  it('kills a hung run at its hard timeout and records why', async () => {
    const supervisor = testSupervisor({
      db: t.db,
      config: testConfig(['U0A']),
      kubeConfigFor: () => kc,
    });
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:me',
      question: 'anything',
      timeoutSeconds: 1,
    });
    const started = Date.now();
    expect(await supervisor.runOnce()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    const done = (await getRun(t.db, run.id))!;
    expect(done.status).toBe('failed');
    expect(done.error).toContain('exceeded its 1s timeout');
    expect(done.lease_owner).toBeNull();
    const events = await listRunEvents(t.db, run.id);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['step', 'tool_call', 'error', 'final']));
    expect(events.at(-1)).toMatchObject({ type: 'final', data: { status: 'failed' } });
  });

  it('delivers each event to sinks only after it is stored, in order; a failing sink fails nothing', async () => {
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), tickMs: 50 });
    try {
      await new Promise((r) => setTimeout(r, 1300));
      const seen: { seq: number; stored: boolean }[] = [];
      const recorder: RunSink = {
        async onEvent(_task, run, e) {
          const stored = (await listRunEvents(t.db, run.id)).some((x) => x.seq === e.seq && x.type === e.type);
          seen.push({ seq: e.seq, stored });
        },
      };
      // A library error quoting a credential, from code that was never handed the run's ids.
      const broken: RunSink = {
        onEvent: () => Promise.reject(new Error('slack is down (token xoxb-1111111111-2222222222-abcdefabcdef)')),
      };
      const lines: string[] = [];
      const supervisor = testSupervisor({
        db: t.db,
        config: testConfig(['U0A']),
        logger: createLogger('info', {}, { write: (l) => void lines.push(l) }),
        kubeConfigFor: () => kubeConfigOf(sandbox),
        sinks: [broken, recorder],
      });
      const { run } = await createTask(t.db, {
        kind: 'investigate',
        source: 'cli',
        requester: 'cli:me',
        question: 'checkout',
      });
      await supervisor.runOnce();
      expect((await getRun(t.db, run.id))!.status).toBe('awaiting_approval');
      expect(seen.length).toBeGreaterThan(5);
      expect(seen.map((x) => x.seq)).toEqual(seen.map((_, i) => i + 1));
      expect(seen.every((x) => x.stored)).toBe(true);
      // Every line logged during the run carries its ids; the token never reaches the log.
      const logged = lines.map((l) => JSON.parse(l) as Record<string, any>);
      const sinkFailures = logged.filter((l) => l.msg === 'run sink failed');
      expect(sinkFailures.length).toBeGreaterThan(0);
      for (const l of logged) expect(l).toMatchObject({ runId: run.id, taskId: run.task_id });
      expect(lines.join('\n')).not.toContain('xoxb-1111111111');
      expect(sinkFailures[0]!.err.message).toContain('[redacted slack token]');
    } finally {
      await sandbox.stop();
    }
  });

  it('has nothing to do when no run is queued', async () => {
    const supervisor = testSupervisor({
      db: t.db,
      config: testConfig(['U0A']),
      kubeConfigFor: () => kc,
    });
    expect(await supervisor.runOnce()).toBe(false);
  });

  it('runs the housekeeping jobs it is given before claiming (where no scheduler does), and none by default', async () => {
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:me',
      question: 'left behind by a replica that died',
      timeoutSeconds: 1,
    });
    await t.db
      .updateTable('runs')
      .set({ status: 'running', lease_owner: 'gone', lease_expires_at: new Date(Date.now() - 60_000) })
      .where('id', '=', run.id)
      .execute();
    const config = testConfig(['U0A']);
    const withoutJobs = testSupervisor({ db: t.db, config, kubeConfigFor: () => kc, housekeeping: [] });
    expect(await withoutJobs.runOnce()).toBe(false);
    expect((await getRun(t.db, run.id))!.lease_owner).toBe('gone');
    // The CLI's supervisor: the same reap-leases job claw serve schedules puts the run back, and it is claimed.
    const cli = testSupervisor({ db: t.db, config, kubeConfigFor: () => kc, owner: 'cli' });
    expect(await cli.runOnce()).toBe(true);
    const after = (await getRun(t.db, run.id))!;
    expect(after.history.map((h) => h.outcome)).toEqual(['orphaned', 'started', 'finished']);
    expect(after.status).toBe('failed'); // its 1 s timeout against a cluster that never answers
  });
});
