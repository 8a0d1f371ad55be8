import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/audit-log.ts';
import { openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { run } from '../helpers/cli.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY } from '../helpers/test-db.ts';

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
      for (const [actor, action] of [
        ['U0ONCALL', 'task.created'],
        ['task:U0ONCALL', 'proposal.created'],
        ['U0APPROVER1', 'proposal.approve'],
      ] as const) {
        await appendAudit(db, { actor, action, subject: 'prop_1', data: { note: action } });
      }
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('verifies the chain, exports it as JSON lines, and names the first edited row', async () => {
    const env = { CLAW_DATA_DIR: dir };
    expect(await run(['audit', 'verify'], env)).toMatchObject({
      code: 0,
      stdout: 'audit log intact: 3 entries, every link verifies\n',
    });
    const lines = (await run(['audit', 'export', '--since', '1'], env)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.seq, l.action])).toEqual([
      [2, 'proposal.created'],
      [3, 'proposal.approve'],
    ]);
    expect(lines[1].prevHash).toBe(lines[0].hash);
    await withStore((db) => sql`update audit_log set actor = 'U0MALLORY' where seq = 2`.execute(db));
    expect(await run(['audit', 'verify'], env)).toMatchObject({
      code: 1,
      stderr: 'audit log broken at seq 2: its content does not match its hash (it was edited)\n',
    });
    expect((await run(['audit', 'nope'], env)).code).toBe(2);
    expect(await run(['audit', 'verify', '--expect-head', 'latest'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--expect-head takes SEQ:HASH'),
    });
  }, 90_000);

  it.runIf(TEST_DATABASE_URL)(
    'on PostgreSQL: `audit head` prints SEQ HASH and appends nothing; `verify --expect-head` catches a deleted newest row',
    async () => {
      const t = await openTestDb('postgres');
      try {
        for (const action of ['task.created', 'proposal.created', 'proposal.approve'])
          await appendAudit(t.db, { actor: 'U0ONCALL', action, subject: 'prop_1' });
        const env = { DATABASE_URL: t.url!, CLAW_SIGNING_KEY: TEST_SIGNING_KEY };
        const head = await run(['audit', 'head'], env);
        expect(head.stdout).toMatch(/^3 [0-9a-f]{64}\n$/);
        expect((await run(['audit', 'head'], env)).stdout).toBe(head.stdout);
        const anchor = head.stdout.trim().replace(' ', ':');
        expect(await run(['audit', 'verify', '--expect-head', anchor], env)).toMatchObject({
          code: 0,
          stdout: expect.stringContaining('and it still reaches 3:'),
        });
        await sql`delete from audit_log where seq = 3`.execute(t.db);
        expect((await run(['audit', 'verify'], env)).code).toBe(0);
        expect(await run(['audit', 'verify', '--expect-head', anchor], env)).toMatchObject({
          code: 1,
          stderr: 'audit log broken at seq 3: the log ends at 2, before the expected head 3: rows were deleted\n',
        });
      } finally {
        await t.close();
      }
    },
    90_000,
  );
});
