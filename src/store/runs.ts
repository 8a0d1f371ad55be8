import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Run, RunStatus } from './schema.ts';

export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'escalated'];

export async function getRun(db: Db, id: string): Promise<Run | undefined> {
  return db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRuns(db: Db, limit = 50): Promise<Run[]> {
  return db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Claims the oldest queued run for `owner` with a lease. `FOR UPDATE SKIP LOCKED` lets any number
 * of supervisors (replicas) claim concurrently without taking the same run twice.
 */
export async function claimRun(db: Db, owner: string, leaseSeconds: number): Promise<Run | undefined> {
  const result = await sql<Run>`
    update runs set status = 'running', lease_owner = ${owner},
      lease_expires_at = now() + make_interval(secs => ${leaseSeconds}),
      started_at = coalesce(started_at, now()), updated_at = now()
    where id = (select id from runs where status = 'queued' order by created_at, id for update skip locked limit 1)
    returning *`.execute(db);
  return result.rows[0];
}

export async function renewLease(db: Db, id: string, owner: string, leaseSeconds: number): Promise<boolean> {
  const r = await sql`update runs set lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), updated_at = now()
    where id = ${id} and lease_owner = ${owner} and status = 'running'`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Re-queues running runs whose lease expired (their supervisor died); they resume from checkpoint. */
export async function requeueExpired(db: Db): Promise<number> {
  const r = await sql`update runs set status = 'queued', lease_owner = null, lease_expires_at = null, updated_at = now()
    where status = 'running' and lease_expires_at < now()`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Moves a run out of `running` if `owner` still holds it; returns false when the lease was lost. */
export async function finishRun(
  db: Db,
  id: string,
  owner: string,
  patch: { status: RunStatus; summary?: string | null; error?: string | null; checkpoint?: unknown; worker?: string; steps?: number },
): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({
      status: patch.status,
      ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
      ...(patch.error !== undefined ? { error: patch.error } : {}),
      ...(patch.checkpoint !== undefined ? { checkpoint: JSON.stringify(patch.checkpoint) } : {}),
      ...(patch.worker !== undefined ? { worker: patch.worker } : {}),
      ...(patch.steps !== undefined ? { steps: patch.steps } : {}),
      lease_owner: null,
      lease_expires_at: null,
      updated_at: sql`now()`,
      ...(TERMINAL.includes(patch.status) ? { finished_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A run waiting on a proposal becomes claimable again once the proposal is decided. */
export async function resumeRun(db: Db, id: string): Promise<boolean> {
  const r = await db.updateTable('runs').set({ status: 'queued', updated_at: sql`now()` })
    .where('id', '=', id).where('status', '=', 'awaiting_approval').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function cancelRun(db: Db, id: string): Promise<boolean> {
  const r = await db.updateTable('runs').set({ status: 'cancelled', finished_at: sql`now()`, updated_at: sql`now()`, lease_owner: null })
    .where('id', '=', id).where('status', 'in', ['queued', 'awaiting_approval']).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
