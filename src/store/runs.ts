import { sql } from 'kysely';
import { checkpointProposal, type RunCheckpoint } from '../domain/run-checkpoint.ts';
import type { Db } from './db.ts';
import { CANCEL_CHANNEL, notifyRuns } from './run-queue.ts';
import type { Run, RunHistoryEntry, RunStatus } from './schema.ts';

export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'escalated'];

export async function getRun(db: Db, id: string): Promise<Run | undefined> {
  return db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRuns(db: Db, limit = 50): Promise<Run[]> {
  return db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Runs one person may see from one channel: those whose task was asked in that channel (or in a
 * thread there), and their own. Never another channel's, which may be private.
 */
export async function listRunsSeenBy(db: Db, who: { channel?: string; user: string }, limit = 50): Promise<Run[]> {
  return db
    .selectFrom('runs')
    .innerJoin('tasks', 'tasks.id', 'runs.task_id')
    .selectAll('runs')
    .where((eb) =>
      eb.or([
        eb('tasks.requester', '=', who.user),
        ...(who.channel ? [eb('tasks.slack_channel', '=', who.channel)] : []),
      ]),
    )
    .orderBy('runs.created_at', 'desc')
    .orderBy('runs.id', 'desc')
    .limit(limit)
    .execute();
}

/** One run, when `who` may see it (see listRunsSeenBy). */
export async function getRunSeenBy(
  db: Db,
  id: string,
  who: { channel?: string; user: string },
): Promise<Run | undefined> {
  return db
    .selectFrom('runs')
    .innerJoin('tasks', 'tasks.id', 'runs.task_id')
    .selectAll('runs')
    .where('runs.id', '=', id)
    .where((eb) =>
      eb.or([
        eb('tasks.requester', '=', who.user),
        ...(who.channel ? [eb('tasks.slack_channel', '=', who.channel)] : []),
      ]),
    )
    .executeTakeFirst();
}

/** Moves a run out of `running` if `owner` still holds it; returns false when the lease was lost. */
export async function finishRun(
  db: Db,
  id: string,
  owner: string,
  patch: {
    status: RunStatus;
    summary?: string | null;
    error?: string | null;
    checkpoint?: RunCheckpoint | null;
    worker?: string;
    steps?: number;
  } & UsagePatch,
): Promise<boolean> {
  // A run pausing on a proposal someone already decided (a fast click lands between the card and
  // this write; decide()'s resumeRun then found it still running) goes straight back to the queue.
  const waitingOn = patch.status === 'awaiting_approval' ? checkpointProposal(patch.checkpoint) : undefined;
  const status = waitingOn
    ? sql<RunStatus>`case when exists (select 1 from proposals where proposals.id = ${waitingOn} and proposals.status <> 'pending') then 'queued' else 'awaiting_approval' end`
    : patch.status;
  const r = await db
    .updateTable('runs')
    .set({
      status,
      ...usageColumns(patch),
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
    .returning('status')
    .executeTakeFirst();
  if (r?.status === 'queued') await notifyRuns(db, id);
  return r !== undefined;
}

/** A run waiting on a proposal becomes claimable again once the proposal is decided. */
export async function resumeRun(db: Db, id: string): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({ status: 'queued', updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'awaiting_approval')
    .executeTakeFirst();
  const ok = Number(r.numUpdatedRows) === 1;
  if (ok) await notifyRuns(db, id);
  return ok;
}

/**
 * Cancels a run: one that waits (queued, awaiting approval) at once; a running one is asked to
 * stop (its supervisor sees the request on its next heartbeat or at once through NOTIFY).
 */
export async function cancelRun(
  db: Db,
  id: string,
  actor: string,
): Promise<'cancelled' | 'requested' | 'finished' | 'unknown'> {
  const cancelled = await db.transaction().execute(async (trx) => {
    const now = await trx
      .updateTable('runs')
      .set({
        status: 'cancelled',
        finished_at: sql`now()`,
        updated_at: sql`now()`,
        lease_owner: null,
        summary: `cancelled by ${actor}`,
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'awaiting_approval'])
      .executeTakeFirst();
    if (Number(now.numUpdatedRows) !== 1) return false;
    // Its undecided or approved-but-not-started proposals go with it: nothing would ever execute
    // them, and an approved one would count as a change in flight (policy) forever.
    await trx
      .updateTable('proposals')
      .set({ status: 'superseded', outcome: JSON.stringify({ withdrawn: `its run was cancelled by ${actor}` }) })
      .where('run_id', '=', id)
      .where('status', 'in', ['pending', 'approved'])
      .execute();
    return true;
  });
  if (cancelled) return 'cancelled';
  const later = await db
    .updateTable('runs')
    .set({ cancel_requested_at: sql`coalesce(cancel_requested_at, now())`, error: `cancelled by ${actor}` })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(later.numUpdatedRows) === 1) {
    await sql`select pg_notify(${CANCEL_CHANNEL}, ${id})`.execute(db);
    return 'requested';
  }
  return (await getRun(db, id)) ? 'finished' : 'unknown';
}

export interface UsagePatch {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  nudges?: number;
  history?: RunHistoryEntry[];
}

export function usageColumns(p: UsagePatch) {
  return {
    ...(p.inputTokens !== undefined ? { input_tokens: p.inputTokens } : {}),
    ...(p.outputTokens !== undefined ? { output_tokens: p.outputTokens } : {}),
    ...(p.costUsd !== undefined ? { cost_usd: p.costUsd } : {}),
    ...(p.nudges !== undefined ? { nudges: p.nudges } : {}),
    ...(p.history !== undefined ? { history: JSON.stringify(p.history) } : {}),
  };
}

/**
 * Saves a running run's progress (a model transcript after each turn, usage) while `owner` holds
 * it, so another process can resume it if this one dies.
 */
export async function saveProgress(
  db: Db,
  id: string,
  owner: string,
  patch: { checkpoint: RunCheckpoint; worker: string; steps: number } & UsagePatch,
): Promise<boolean> {
  const r = await db
    .updateTable('runs')
    .set({
      checkpoint: JSON.stringify(patch.checkpoint),
      worker: patch.worker,
      steps: patch.steps,
      ...usageColumns(patch),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A task's latest run (a retried or re-investigated task has several). */
export async function latestRunOfTask(db: Db, taskId: string): Promise<Run | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
