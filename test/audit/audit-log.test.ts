import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHead, verifyAudit, watchAuditHead } from '../../src/audit/audit-log.ts';
import { canonicalJson } from '../../src/lib/canonical-json.ts';
import { openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { BACKENDS, openTestDb, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';

const OLD_KEY = 'an-older-signing-key-retired-last-month-0123456789';

describe.each(BACKENDS)('the signed audit chain (%s)', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
  });
  afterAll(() => t.close());
  beforeEach(() => t.truncate());
  const append = async (n: number) => {
    for (let i = 0; i < n; i++)
      await appendAudit(t.db, { actor: 'U0APPROVER1', action: 'proposal.approve', subject: `prop_${i}`, data: { i } });
  };

  it('every link is an HMAC with the signing key; the head moves with each append and is reported', async () => {
    const heads: string[] = [];
    watchAuditHead(t.db, (h) => heads.push(`${h.seq}:${h.hash}`));
    await append(3);
    const head = (await auditHead(t.db))!;
    expect(heads.at(-1)).toBe(`${head.seq}:${head.hash}`);
    expect(heads).toHaveLength(3);
    expect(await verifyAudit(t.db, head)).toMatchObject({ ok: true, entries: 3, head });
  });

  it('deleting the newest rows passes a plain verify, but not one against the head anchored before', async () => {
    await append(4);
    const anchored = (await auditHead(t.db))!;
    await sql`delete from audit_log where seq = ${anchored.seq}`.execute(t.db);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, entries: 3 });
    expect(await verifyAudit(t.db, anchored)).toMatchObject({
      ok: false,
      brokenAt: anchored.seq,
      reason: expect.stringContaining('rows were deleted'),
    });
  });

  it('a row rewritten and the chain recomputed without the key is caught at that row', async () => {
    await append(3);
    const rows = await t.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    // An attacker with only the database recomputes plain SHA-256 links from the edited row on.
    let prev = rows[0]!.hash;
    for (const r of rows.slice(1)) {
      const data = r === rows[1] ? { i: 99 } : r.data;
      const hash = createHash('sha256')
        .update(
          prev +
            canonicalJson({
              at: new Date(r.at).toISOString(),
              actor: r.actor,
              action: r.action,
              subject: r.subject,
              data,
            }),
        )
        .digest('hex');
      await sql`update audit_log set data = ${JSON.stringify(data)}::jsonb, prev_hash = ${prev}, hash = ${hash} where seq = ${r.seq}`.execute(
        t.db,
      );
      prev = hash;
    }
    expect(await verifyAudit(t.db)).toMatchObject({
      ok: false,
      brokenAt: String(rows[1]!.seq),
      reason: expect.stringContaining('edited'),
    });
  });

  it('plain rows from before signing are accepted before the first signed row, never after it', async () => {
    const plain = (prev: string, i: number) =>
      createHash('sha256')
        .update(
          prev +
            canonicalJson({
              at: '2026-01-01T00:00:00.000Z',
              actor: 'legacy',
              action: 'task.created',
              subject: `t${i}`,
              data: {},
            }),
        )
        .digest('hex');
    const h1 = plain('0'.repeat(64), 1);
    await sql`insert into audit_log (at, actor, action, subject, data, prev_hash, hash) values ('2026-01-01T00:00:00.000Z', 'legacy', 'task.created', 't1', '{}', ${'0'.repeat(64)}, ${h1})`.execute(
      t.db,
    );
    await append(2);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, entries: 3 });
    const last = (await auditHead(t.db))!;
    const h2 = plain(last.hash, 2);
    await sql`insert into audit_log (at, actor, action, subject, data, prev_hash, hash) values ('2026-01-01T00:00:00.000Z', 'legacy', 'task.created', 't2', '{}', ${last.hash}, ${h2})`.execute(
      t.db,
    );
    expect(await verifyAudit(t.db)).toMatchObject({ ok: false, reason: 'an unsigned row after signed ones' });
  });

  it('after a key rotation, rows signed with the old key verify while it is listed as previous, and name it when it is not', async () => {
    const url = t.url;
    const rotated = async (signing: { key: string; previous?: string[] }, fn: (db: TestDb['db']) => Promise<void>) => {
      const store = await openStore({ databaseUrl: url, dataDir: '', memory: backend === 'pglite', signing });
      try {
        await fn(backend === 'pglite' ? t.db : store.db);
      } finally {
        await store.close();
      }
    };
    if (backend === 'pglite') return; // an in-memory store is one process's: rotation is a shared-store matter
    await rotated({ key: OLD_KEY }, async (db) => {
      await appendAudit(db, { actor: 'U0APPROVER1', action: 'proposal.approve', subject: 'before-rotation' });
    });
    await append(1); // the current key (TEST_SIGNING_KEY)
    await rotated({ key: TEST_SIGNING_KEY, previous: [OLD_KEY] }, async (db) => {
      expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: 2 });
    });
    expect(await verifyAudit(t.db)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^signed with key k[0-9a-f]{12}, which this process does not have/),
    });
  });
});

describe('a shared store without CLAW_SIGNING_KEY', () => {
  it.runIf(BACKENDS.includes('postgres'))('refuses to write the audit log, naming the variable', async () => {
    const t = await openTestDb('postgres');
    const bare = await openStore({ databaseUrl: t.url, dataDir: '' });
    try {
      await migrate(bare.db);
      await expect(appendAudit(bare.db, { actor: 'x', action: 'task.created', subject: 's' })).rejects.toThrow(
        /writing the audit log needs CLAW_SIGNING_KEY/,
      );
    } finally {
      await bare.close();
      await t.close();
    }
  });
});
