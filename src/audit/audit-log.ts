import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { canonicalJson } from '../lib/canonical-json.ts';
import type { Db } from '../store/db.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

function entryHash(prev: string, at: string, e: AuditEntry): string {
  return createHash('sha256').update(prev).update(canonicalJson({ at, actor: e.actor, action: e.action, subject: e.subject, data: e.data ?? {} })).digest('hex');
}

/**
 * Appends to the hash chain. The advisory lock serializes writers across connections and
 * replicas so each row links to the one before it.
 */
export async function appendAudit(db: Db, e: AuditEntry): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7231002)`.execute(trx);
    const last = await trx.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const prev = last?.hash ?? GENESIS;
    const at = new Date().toISOString();
    const hash = entryHash(prev, at, e);
    await trx.insertInto('audit_log').values({ at, actor: e.actor, action: e.action, subject: e.subject, data: JSON.stringify(e.data ?? {}), prev_hash: prev, hash }).execute();
    return hash;
  });
}

/** Recomputes the chain; returns the first broken sequence number, or undefined when intact. */
export async function verifyAudit(db: Db): Promise<{ ok: true; entries: number } | { ok: false; brokenAt: string }> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  let prev = GENESIS;
  for (const r of rows) {
    const at = new Date(r.at).toISOString();
    if (r.prev_hash !== prev || entryHash(prev, at, { actor: r.actor, action: r.action, subject: r.subject, data: r.data }) !== r.hash) {
      return { ok: false, brokenAt: String(r.seq) };
    }
    prev = r.hash;
  }
  return { ok: true, entries: rows.length };
}
