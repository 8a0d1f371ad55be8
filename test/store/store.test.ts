import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '../../src/audit/audit-log.ts';
import { migrate } from '../../src/store/migrate.ts';
import { appendRunEvents, listRunEvents } from '../../src/store/run-events.ts';
import { claimRun, claimRuns, RUNS_CHANNEL, requeueExpired } from '../../src/store/run-queue.ts';
import { scheduleRetry } from '../../src/store/run-requeue.ts';
import { cancelRun, finishRun, getRun } from '../../src/store/runs.ts';
import { firstDelivery, pruneSlackEvents } from '../../src/store/slack-events.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { BACKENDS, openTestDb, type TestDb } from '../helpers/test-db.ts';

describe.each(BACKENDS)('store on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
  });
  afterAll(() => t.close());
  beforeEach(() => t.truncate());

  it('applies migrations once', async () => {
    expect(await migrate(t.db)).toEqual([]);
    const tables = await sql<{
      n: number;
    }>`select count(*)::int as n from information_schema.tables where table_name in ('tasks','runs','run_events','proposals','approvals','audit_log')`.execute(
      t.db,
    );
    expect(tables.rows[0]!.n).toBe(6);
  });

  it('creates a task with a queued run that exactly one claim takes', async () => {
    const { task, run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:me',
      question: 'why?',
    });
    expect(task.acceptance_criteria.length).toBeGreaterThan(0);
    expect(run.status).toBe('queued');
    const [a, b] = await Promise.all([claimRun(t.db, 'one', 30), claimRun(t.db, 'two', 30)]);
    const claimed = [a, b].filter(Boolean);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.status).toBe('running');
    expect(await claimRun(t.db, 'three', 30)).toBeUndefined();
  });

  it('takes only the first delivery of a Slack event, even when retries race, and forgets old ids', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => firstDelivery(t.db, 'Ev0RACE')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await firstDelivery(t.db, 'Ev0OTHER')).toBe(true);
    await sql`update slack_events set received_at = now() - interval '2 days' where event_id = 'Ev0RACE'`.execute(t.db);
    expect(await pruneSlackEvents(t.db)).toBe(1);
    expect(await firstDelivery(t.db, 'Ev0OTHER')).toBe(false);
  });

  it('re-queues a run whose lease expired, and a lost lease cannot finish it', async () => {
    const { run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await claimRun(t.db, 'dead-replica', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    expect(await requeueExpired(t.db)).toBe(1);
    const again = await claimRun(t.db, 'live-replica', 30);
    expect(again?.id).toBe(run.id);
    expect(await finishRun(t.db, run.id, 'dead-replica', { status: 'succeeded' })).toBe(false);
    expect(await finishRun(t.db, run.id, 'live-replica', { status: 'succeeded', summary: 'done' })).toBe(true);
    expect((await getRun(t.db, run.id))!.finished_at).toBeInstanceOf(Date);
  });

  it('claims in batches within the global, per-cluster and per-channel limits, oldest first', async () => {
    const make = (cluster: string, channel: string | undefined) =>
      createTask(t.db, {
        kind: 'investigate',
        source: 'slash',
        requester: 'U1',
        question: 'q',
        cluster,
        ...(channel ? { slack: { channel } } : {}),
      });
    const ids: string[] = [];
    for (const [cluster, channel] of [
      ['prod', 'C1'],
      ['prod', 'C1'],
      ['prod', 'C1'],
      ['prod', 'C2'],
      ['prod', undefined],
      ['staging', 'C3'],
      ['staging', 'C3'],
    ] as const) {
      ids.push((await make(cluster, channel)).run.id);
    }
    const limits = { max: 10, global: 5, perCluster: 3, perChannel: 2 };
    const first = await claimRuns(t.db, 'a', 30, limits);
    // prod: two of C1 (channel limit), then C2 (cluster limit 3 reached); staging: both C3.
    expect(first.map((r) => ids.indexOf(r.id))).toEqual([0, 1, 3, 5, 6]);
    expect(await claimRuns(t.db, 'b', 30, limits)).toEqual([]); // global limit 5 reached
    await finishRun(t.db, ids[0]!, 'a', { status: 'succeeded' });
    // One prod slot and one C1 slot freed: the oldest waiting prod run in C1 goes first.
    expect((await claimRuns(t.db, 'b', 30, limits)).map((r) => ids.indexOf(r.id))).toEqual([2]);
    expect(await claimRuns(t.db, 'b', 30, { ...limits, max: 0 })).toEqual([]);
  });

  it('does not claim a retried run before its back-off has passed', async () => {
    const { run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await claimRun(t.db, 'a', 30);
    expect(
      await scheduleRetry(t.db, run.id, 'a', {
        notBefore: new Date(Date.now() + 400),
        worker: null,
        checkpoint: null,
        steps: 3,
      }),
    ).toBe(true);
    expect(await claimRun(t.db, 'a', 30)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 450));
    expect(await claimRun(t.db, 'a', 30)).toMatchObject({ id: run.id, attempt: 2, steps: 3 });
  });

  it('cancels waiting runs at once and asks the holder of a running one to stop', async () => {
    const a = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    expect(await cancelRun(t.db, a.run.id, 'U1')).toBe('cancelled');
    expect(await getRun(t.db, a.run.id)).toMatchObject({ status: 'cancelled', summary: 'cancelled by U1' });
    const b = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await claimRun(t.db, 'holder', 30);
    expect(await cancelRun(t.db, b.run.id, 'U2')).toBe('requested');
    expect((await getRun(t.db, b.run.id))!.cancel_requested_at).toBeInstanceOf(Date);
    expect(await cancelRun(t.db, 'run_nope', 'U2')).toBe('unknown');
  });

  it('announces new runs on the runs channel (LISTEN/NOTIFY)', async () => {
    const heard: string[] = [];
    const unlisten = await t.listen(RUNS_CHANNEL, (p) => p && heard.push(p));
    const { run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await new Promise((r) => setTimeout(r, 200));
    await unlisten();
    expect(heard).toContain(run.id);
  });

  it('keeps run events in order across batches', async () => {
    const { run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await appendRunEvents(t.db, run.id, [
      { type: 'step', data: { n: 1 } },
      { type: 'step', data: { n: 2 } },
    ]);
    await appendRunEvents(t.db, run.id, [{ type: 'final', data: { n: 3 } }]);
    const events = await listRunEvents(t.db, run.id);
    expect(events.map((e) => [e.seq, e.type, e.data.n])).toEqual([
      [1, 'step', 1],
      [2, 'step', 2],
      [3, 'final', 3],
    ]);
  });

  it('hash-chains the audit log and detects tampering', async () => {
    for (let i = 0; i < 5; i++)
      await appendAudit(t.db, { actor: 'U1', action: 'proposal.approve', subject: `prop_${i}`, data: { i } });
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, entries: 5 });
    await sql`update audit_log set data = '{"i": 99}' where seq = (select min(seq) + 2 from audit_log)`.execute(t.db);
    const result = await verifyAudit(t.db);
    expect(result.ok).toBe(false);
  });
});
