import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import { legalSources, type ProposalStatus, type StoredOutcome } from '../domain/proposal.ts';
import type { Db } from './db.ts';
import type { ExecutionJournal, Proposal, ProposalsTable } from './schema.ts';

export async function insertProposal(db: Db, p: Insertable<ProposalsTable>): Promise<Proposal> {
  return db.insertInto('proposals').values(p).returningAll().executeTakeFirstOrThrow();
}

export async function getProposal(db: Db, id: string): Promise<Proposal | undefined> {
  return db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listProposalsForRun(db: Db, runId: string): Promise<Proposal[]> {
  return db.selectFrom('proposals').selectAll().where('run_id', '=', runId).orderBy('created_at').execute();
}

/**
 * The conditional status transition every decision and execution goes through: it succeeds for
 * exactly one caller, however many race (clicks, replicas, retries). Returns the updated row or
 * undefined when the proposal was not in one of `from`. Only moves PROPOSAL_TRANSITIONS allows.
 */
export async function transitionProposal(
  db: Db,
  id: string,
  from: ProposalStatus[],
  to: ProposalStatus,
  extra: { outcome?: StoredOutcome; notExpired?: boolean; execution?: ExecutionJournal } = {},
): Promise<Proposal | undefined> {
  let q = db
    .updateTable('proposals')
    .set({
      status: to,
      ...(extra.outcome ? { outcome: JSON.stringify(extra.outcome) } : {}),
      ...(extra.execution ? { execution: JSON.stringify(extra.execution) } : {}),
      ...(['approved', 'rejected', 'expired'].includes(to) ? { decided_at: sql`now()` } : {}),
      ...(['executed', 'failed'].includes(to) ? { executed_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .where('status', 'in', legalSources(from, to));
  if (extra.notExpired) q = q.where('expires_at', '>', sql<Date>`now()`);
  return q.returningAll().executeTakeFirst();
}

/** The live proposal `runId` already made for this exact artifact (pending, approved or executing), if any. */
export async function findLiveProposal(db: Db, runId: string, artifactHash: string): Promise<Proposal | undefined> {
  return db
    .selectFrom('proposals')
    .selectAll()
    .where('run_id', '=', runId)
    .where('artifact_hash', '=', artifactHash)
    .where('status', 'in', ['pending', 'approved', 'executing'])
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Journals the execution about to start; only while the proposal is 'executing'. */
export async function recordExecution(db: Db, id: string, journal: ExecutionJournal): Promise<boolean> {
  const r = await db
    .updateTable('proposals')
    .set({ execution: JSON.stringify(journal) })
    .where('id', '=', id)
    .where('status', '=', 'executing')
    .where(sql<string>`coalesce(execution->>'executor', ${journal.executor})`, '=', journal.executor)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Takes a claimed execution back from `executor`, which died before journalling its target (so it
 * applied nothing): the proposal is approved again. The fence: that executor, should it still be
 * alive, fails its journal write and stops before touching the cluster.
 */
export async function fenceExecution(db: Db, id: string, executor: string): Promise<boolean> {
  const r = await db
    .updateTable('proposals')
    .set({ status: 'approved', execution: null })
    .where('id', '=', id)
    .where('status', '=', 'executing')
    .where(sql`execution->'before'`, 'is', null)
    .where(sql<string>`execution->>'executor'`, '=', executor)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A newer proposal for the same target makes older undecided ones obsolete. */
export async function supersedePending(
  db: Db,
  cluster: string,
  target: { kind: string; namespace?: string; name: string },
  /** Only this run's (a git change: other tasks' changes to the same repository stand). */
  runId?: string,
): Promise<{ id: string; run_id: string }[]> {
  let q = db
    .updateTable('proposals')
    .set({ status: 'superseded', decided_at: sql`now()` })
    .where('status', '=', 'pending')
    .where('cluster', '=', cluster)
    .where(sql<boolean>`target = ${JSON.stringify(target)}::jsonb`);
  if (runId) q = q.where('run_id', '=', runId);
  return q.returning(['id', 'run_id']).execute();
}

export async function setProposalMessage(db: Db, id: string, channel: string, ts: string): Promise<void> {
  await db.updateTable('proposals').set({ slack_channel: channel, slack_ts: ts }).where('id', '=', id).execute();
}

/** Proposals of `action` on `cluster` that are approved or executing: changes in flight. */
export async function countActive(db: Db, cluster: string, action: string): Promise<number> {
  const r = await db
    .selectFrom('proposals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('cluster', '=', cluster)
    .where('action', '=', action)
    .where('status', 'in', ['approved', 'executing'])
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Pending proposals past their expiry become `expired` (fail closed); returns those that did. */
export async function expireDue(db: Db): Promise<Proposal[]> {
  return db
    .updateTable('proposals')
    .set({ status: 'expired', decided_at: sql`now()` })
    .where('status', '=', 'pending')
    .where('expires_at', '<=', sql<Date>`now()`)
    .returningAll()
    .execute();
}

/** Undecided proposals, newest first, with their task's requester (who may not approve them). */
export async function listPending(db: Db, limit = 50): Promise<(Proposal & { requester: string })[]> {
  return db
    .selectFrom('proposals')
    .innerJoin('tasks', 'tasks.id', 'proposals.task_id')
    .selectAll('proposals')
    .select('tasks.requester')
    .where('proposals.status', '=', 'pending')
    .where('proposals.expires_at', '>', sql<Date>`now()`)
    .orderBy('proposals.created_at', 'desc')
    .limit(limit)
    .execute();
}
