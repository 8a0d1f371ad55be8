import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '../../src/audit/audit-log.ts';
import { migrate } from '../../src/store/migrate.ts';
import { appendRunEvents, listRunEvents } from '../../src/store/run-events.ts';
import { claimRun, finishRun, getRun, requeueExpired } from '../../src/store/runs.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { BACKENDS, type TestDb, openTestDb } from '../helpers/test-db.ts';

describe.each(BACKENDS)('store on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
  });
  afterAll(() => t.close());
  beforeEach(() => t.truncate());

  it('applies migrations once', async () => {
    expect(await migrate(t.db)).toEqual([]);
    const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name in ('tasks','runs','run_events','proposals','approvals','audit_log')`.execute(t.db);
    expect(tables.rows[0]!.n).toBe(6);
  });

  it('creates a task with a queued run that exactly one claim takes', async () => {
    const { task, run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'why?' });
    expect(task.acceptance_criteria.length).toBeGreaterThan(0);
    expect(run.status).toBe('queued');
    const [a, b] = await Promise.all([claimRun(t.db, 'one', 30), claimRun(t.db, 'two', 30)]);
    const claimed = [a, b].filter(Boolean);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.status).toBe('running');
    expect(await claimRun(t.db, 'three', 30)).toBeUndefined();
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

  it('keeps run events in order across batches', async () => {
    const { run } = await createTask(t.db, { kind: 'investigate', source: 'cli', requester: 'cli:me', question: 'q' });
    await appendRunEvents(t.db, run.id, [{ type: 'step', data: { n: 1 } }, { type: 'step', data: { n: 2 } }]);
    await appendRunEvents(t.db, run.id, [{ type: 'final', data: { n: 3 } }]);
    const events = await listRunEvents(t.db, run.id);
    expect(events.map((e) => [e.seq, e.type, e.data.n])).toEqual([[1, 'step', 1], [2, 'step', 2], [3, 'final', 3]]);
  });

  it('hash-chains the audit log and detects tampering', async () => {
    for (let i = 0; i < 5; i++) await appendAudit(t.db, { actor: 'U1', action: 'proposal.approve', subject: `prop_${i}`, data: { i } });
    expect(await verifyAudit(t.db)).toEqual({ ok: true, entries: 5 });
    await sql`update audit_log set data = '{"i": 99}' where seq = (select min(seq) + 2 from audit_log)`.execute(t.db);
    const result = await verifyAudit(t.db);
    expect(result.ok).toBe(false);
  });
});
