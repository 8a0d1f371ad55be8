import { sql } from 'kysely';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import type { Db } from './db.ts';
import { notifyRuns } from './run-queue.ts';
import { type UsagePatch, usageColumns } from './runs.ts';

// A running run handed back to the queue by the process holding its lease: after a failed
// attempt (a retry), while it waits on something outside ClusterClaw (deferred), or at shutdown.

/**
 * Hands a failed attempt back to the queue: attempt + 1, not claimable before `notBefore`, on the
 * worker the caller chose (its checkpoint kept only when that worker can resume it).
 */
export async function scheduleRetry(
  db: Db,
  id: string,
  owner: string,
  patch: {
    notBefore: Date;
    worker: string | null;
    checkpoint: RunCheckpoint | null | undefined;
    steps: number;
  } & UsagePatch,
): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({
      status: 'queued',
      attempt: sql`attempt + 1`,
      not_before: patch.notBefore,
      worker: patch.worker,
      steps: patch.steps,
      ...usageColumns(patch),
      checkpoint: patch.checkpoint === undefined || patch.checkpoint === null ? null : JSON.stringify(patch.checkpoint),
      lease_owner: null,
      lease_expires_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Puts a run that waits on something outside ClusterClaw (a merge) back in the queue until
 * `notBefore`: the same attempt (waiting is not a failure), its worker and checkpoint kept, its
 * summary saying what it waits for.
 */
export async function deferRun(
  db: Db,
  id: string,
  owner: string,
  patch: { notBefore: Date; worker: string; checkpoint: RunCheckpoint; summary: string; steps: number } & UsagePatch,
): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({
      status: 'queued',
      not_before: patch.notBefore,
      worker: patch.worker,
      steps: patch.steps,
      summary: patch.summary,
      ...usageColumns(patch),
      checkpoint: JSON.stringify(patch.checkpoint),
      lease_owner: null,
      lease_expires_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Hands a running run back to the queue at once (its process is shutting down): claimable by any
 * replica now, not when the lease would have expired. Its checkpoint and worker stay.
 */
export async function releaseRun(
  db: Db,
  id: string,
  owner: string,
  patch: UsagePatch & { steps?: number },
): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({
      status: 'queued',
      lease_owner: null,
      lease_expires_at: null,
      not_before: null,
      updated_at: sql`now()`,
      ...(patch.steps !== undefined ? { steps: patch.steps } : {}),
      ...usageColumns(patch),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  const ok = Number(r.numUpdatedRows) === 1;
  if (ok) await notifyRuns(db, id);
  return ok;
}
