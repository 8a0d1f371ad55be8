import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { canonicalJson } from '../lib/canonical-json.ts';
import type { Signer } from '../lib/signer.ts';
import { type Db, maybeSignerOf, signerOf } from '../store/db.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data?: Record<string, unknown>;
}

/** The newest row of the log: what `claw audit head` prints and what is anchored outside it. */
export interface AuditHead {
  seq: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/**
 * One link: HMAC(key, prev ‖ entry) with the signing key, so no one who can only write the
 * database can forge or re-chain rows; a plain SHA-256 for rows from before signing (keyId null).
 */
function linkHash(
  signer: Signer | undefined,
  keyId: string | null,
  prev: string,
  at: string,
  e: AuditEntry,
): string | undefined {
  const body = prev + canonicalJson({ at, actor: e.actor, action: e.action, subject: e.subject, data: e.data ?? {} });
  if (keyId === null) return createHash('sha256').update(body).digest('hex');
  return signer?.macWith(keyId, body);
}

const headWatchers = new WeakMap<object, (head: AuditHead) => void>();

/**
 * Calls `onHead` after every append to `db`'s log with the new head: `claw serve` logs it and sets
 * the claw_audit_head_seq gauge, so the head is anchored outside the database as it moves.
 */
export function watchAuditHead(db: Db, onHead: (head: AuditHead) => void): void {
  headWatchers.set(db, onHead);
}

/**
 * Appends to the chain, keyed with the store's signing key. The advisory lock serializes writers
 * across connections and replicas so each row links to the one before it.
 */
export async function appendAudit(db: Db, e: AuditEntry): Promise<string> {
  const signer = signerOf(db, 'writing the audit log');
  const head = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7231002)`.execute(trx);
    const last = await trx.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const prev = last?.hash ?? GENESIS;
    const at = new Date().toISOString();
    const hash = linkHash(signer, signer.keyId, prev, at, e)!;
    const row = await trx
      .insertInto('audit_log')
      .values({
        at,
        actor: e.actor,
        action: e.action,
        subject: e.subject,
        data: JSON.stringify(e.data ?? {}),
        prev_hash: prev,
        hash,
        key_id: signer.keyId,
      })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return { seq: String(row.seq), hash };
  });
  headWatchers.get(db)?.(head);
  return head.hash;
}

/** The newest row's sequence number and hash; undefined for an empty log. Appends nothing. */
export async function auditHead(db: Db): Promise<AuditHead | undefined> {
  const last = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last ? { seq: String(last.seq), hash: last.hash } : undefined;
}

export type AuditVerdict =
  | { ok: true; entries: number; head?: AuditHead }
  | { ok: false; brokenAt: string; reason: string };

/**
 * Recomputes the chain from the first row. Fails at the first row whose link does not verify: an
 * edited or deleted row, a re-chained one (its HMAC needs the key), a row signed with a key this
 * process lacks, or a plain row after signed ones. With `expectHead` (anchored earlier, outside the
 * database), also fails when the log no longer reaches that row with that hash: newest rows
 * deleted, or the log rewritten behind it.
 */
export async function verifyAudit(db: Db, expectHead?: AuditHead): Promise<AuditVerdict> {
  const signer = maybeSignerOf(db);
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  let prev = GENESIS;
  let keyed = false;
  let reached = false;
  for (const r of rows) {
    const seq = String(r.seq);
    if (r.key_id === null && keyed) return { ok: false, brokenAt: seq, reason: 'an unsigned row after signed ones' };
    if (r.key_id !== null && !signer?.knows(r.key_id))
      return {
        ok: false,
        brokenAt: seq,
        reason: `signed with key ${r.key_id}, which this process does not have (CLAW_SIGNING_KEY, CLAW_SIGNING_KEY_PREVIOUS)`,
      };
    keyed ||= r.key_id !== null;
    const at = new Date(r.at).toISOString();
    if (r.prev_hash !== prev)
      return {
        ok: false,
        brokenAt: seq,
        reason: 'it does not link to the row before it (a row was deleted or inserted)',
      };
    if (
      linkHash(signer, r.key_id, prev, at, { actor: r.actor, action: r.action, subject: r.subject, data: r.data }) !==
      r.hash
    )
      return { ok: false, brokenAt: seq, reason: 'its content does not match its hash (it was edited)' };
    if (expectHead && seq === expectHead.seq) {
      if (r.hash !== expectHead.hash)
        return {
          ok: false,
          brokenAt: seq,
          reason: `the expected head ${expectHead.seq}:${expectHead.hash.slice(0, 16)}… was rewritten`,
        };
      reached = true;
    }
    prev = r.hash;
  }
  if (expectHead && !reached) {
    const last = rows.at(-1);
    return {
      ok: false,
      brokenAt: expectHead.seq,
      reason: `the log ends at ${last ? String(last.seq) : 'nothing'}, before the expected head ${expectHead.seq}: rows were deleted`,
    };
  }
  const last = rows.at(-1);
  return { ok: true, entries: rows.length, ...(last ? { head: { seq: String(last.seq), hash: last.hash } } : {}) };
}
