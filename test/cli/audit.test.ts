import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/audit-log.ts';
import { openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { run } from '../helpers/cli.ts';

describe('claw audit', () => {
  let dir: string;
  const withStore = async (fn: (db: Awaited<ReturnType<typeof openStore>>['db']) => Promise<unknown>) => {
    const store = await openStore({ dataDir: dir });
    try {
      await migrate(store.db);
      await fn(store.db);
    } finally {
      await store.close();
    }
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-audit-'));
    await withStore(async (db) => {
      for (const [actor, action] of [['U0ONCALL', 'task.created'], ['task:U0ONCALL', 'proposal.created'], ['U0APPROVER1', 'proposal.approve']] as const) {
        await appendAudit(db, { actor, action, subject: 'prop_1', data: { note: action } });
      }
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('verifies the chain, exports it as JSON lines, and names the first edited row', async () => {
    const env = { CLAW_DATA_DIR: dir };
    expect(await run(['audit', 'verify'], env)).toMatchObject({ code: 0, stdout: 'audit log intact: 3 entries, every hash links to the one before\n' });
    const lines = (await run(['audit', 'export', '--since', '1'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.seq, l.action])).toEqual([[2, 'proposal.created'], [3, 'proposal.approve']]);
    expect(lines[1].prevHash).toBe(lines[0].hash);
    await withStore((db) => sql`update audit_log set actor = 'U0MALLORY' where seq = 2`.execute(db));
    expect(await run(['audit', 'verify'], env)).toMatchObject({ code: 1, stderr: 'audit log broken at seq 2: that row, or one before it, was edited or deleted\n' });
    expect((await run(['audit', 'nope'], env)).code).toBe(2);
  }, 90_000);
});
