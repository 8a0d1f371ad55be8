import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Run } from './schema.ts';

/** The NOTIFY channel that wakes supervisors: a run became claimable (new, resumed, retried, taken over). */
export const RUNS_CHANNEL = 'claw_runs';
/** The NOTIFY channel that tells the supervisor holding a run to stop it. */
export const CANCEL_CHANNEL = 'claw_cancel';

export interface ClaimLimits {
  /** How many runs this caller can take now (its free slots). */
  max: number;
  /** Running runs allowed across every replica, per cluster, per Slack channel. */
  global: number;
  perCluster: number;
  perChannel: number;
  /** Only this run (a CLI drives its own run, never whatever else waits in the queue). */
  only?: string;
}

/** One run, whatever the limits: a CLI's own run. */
export const NO_LIMITS: ClaimLimits = { max: 1, global: 1e9, perCluster: 1e9, perChannel: 1e9 };

/**
 * Claims up to `max` queued runs, oldest first, for `owner` with a lease, keeping the running
 * counts within the global, per-cluster and per-channel limits. Claims are serialised by a
 * transaction-scoped advisory lock, so limits hold exactly across replicas; one claim is three
 * short statements under it, however many runs it takes.
 */
export async function claimRuns(
  db: Db,
  owner: string,
  leaseSeconds: number,
  limits: ClaimLimits = NO_LIMITS,
): Promise<Run[]> {
  if (limits.max <= 0) return [];
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7231003)`.execute(trx);
    const running = await sql<{ cluster: string; channel: string | null; n: number }>`
      select t.cluster, t.slack_channel as channel, count(*)::int as n from runs r join tasks t on t.id = r.task_id
      where r.status = 'running' group by t.cluster, t.slack_channel`.execute(trx);
    const queued = await sql<{ id: string; cluster: string; channel: string | null }>`
      select r.id, t.cluster, t.slack_channel as channel from runs r join tasks t on t.id = r.task_id
      where r.status = 'queued' and (r.not_before is null or r.not_before <= now())
        ${limits.only ? sql`and r.id = ${limits.only}` : sql``}
      order by r.created_at, r.id limit ${CANDIDATES}`.execute(trx);
    const ids = pickWithinLimits(running.rows, queued.rows, limits);
    if (ids.length === 0) return [];
    const claimed = await sql<Run>`
      update runs set status = 'running', lease_owner = ${owner},
        lease_expires_at = now() + make_interval(secs => ${leaseSeconds}),
        started_at = coalesce(started_at, now()), updated_at = now()
      where id = any(${ids}) and status = 'queued'
      returning *`.execute(trx);
    return claimed.rows.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  });
}

/** How many of the oldest claimable runs one claim looks at. */
const CANDIDATES = 1000;

/** Oldest first, skipping runs whose cluster or channel is at its limit, until `max` or the global limit. */
function pickWithinLimits(
  running: { cluster: string; channel: string | null; n: number }[],
  queued: { id: string; cluster: string; channel: string | null }[],
  limits: ClaimLimits,
): string[] {
  const perCluster = new Map<string, number>();
  const perChannel = new Map<string, number>();
  let total = 0;
  for (const r of running) {
    perCluster.set(r.cluster, (perCluster.get(r.cluster) ?? 0) + r.n);
    if (r.channel) perChannel.set(r.channel, (perChannel.get(r.channel) ?? 0) + r.n);
    total += r.n;
  }
  const picked: string[] = [];
  for (const q of queued) {
    if (picked.length >= limits.max || total >= limits.global) break;
    if ((perCluster.get(q.cluster) ?? 0) >= limits.perCluster) continue;
    if (q.channel && (perChannel.get(q.channel) ?? 0) >= limits.perChannel) continue;
    picked.push(q.id);
    total += 1;
    perCluster.set(q.cluster, (perCluster.get(q.cluster) ?? 0) + 1);
    if (q.channel) perChannel.set(q.channel, (perChannel.get(q.channel) ?? 0) + 1);
  }
  return picked;
}

/** One run, no limits: the CLI's in-process supervisor and tests. */
export async function claimRun(db: Db, owner: string, leaseSeconds: number): Promise<Run | undefined> {
  return (await claimRuns(db, owner, leaseSeconds))[0];
}

/** Extends the lease while the run is alive; says whether it is still held and whether someone asked to cancel it. */
export async function renewLease(
  db: Db,
  id: string,
  owner: string,
  leaseSeconds: number,
): Promise<{ held: boolean; cancelRequested: boolean }> {
  const r = await sql<{
    cancel_requested_at: Date | null;
  }>`update runs set lease_expires_at = now() + make_interval(secs => ${leaseSeconds}), updated_at = now()
    where id = ${id} and lease_owner = ${owner} and status = 'running' returning cancel_requested_at`.execute(db);
  const row = r.rows[0];
  return { held: Boolean(row), cancelRequested: Boolean(row?.cancel_requested_at) };
}

/**
 * Re-queues running runs whose lease expired (their process died) so another process resumes
 * them from their last checkpoint; the takeover is recorded in the run's history.
 */
export async function requeueExpired(db: Db): Promise<number> {
  const r =
    await sql`update runs set status = 'queued', lease_owner = null, lease_expires_at = null, updated_at = now(),
      history = history || jsonb_build_array(jsonb_build_object('attempt', attempt, 'worker', coalesce(worker, 'unassigned'),
        'at', now(), 'outcome', 'orphaned', 'reason', 'lease expired: the process running it stopped heartbeating'))
    where status = 'running' and lease_expires_at < now()`.execute(db);
  const n = Number(r.numAffectedRows ?? 0);
  if (n) await notifyRuns(db);
  return n;
}

/**
 * Runs still paused on a proposal that was decided: the decider died between recording the
 * decision and resuming the run. They go back to the queue (the sweep after a crash).
 */
export async function resumeDecided(db: Db): Promise<number> {
  const r = await sql`update runs set status = 'queued', updated_at = now()
    where status = 'awaiting_approval'
      and exists (select 1 from proposals p where p.id = runs.checkpoint->>'proposalId' and p.status <> 'pending')`.execute(
    db,
  );
  const n = Number(r.numAffectedRows ?? 0);
  if (n) await notifyRuns(db);
  return n;
}

export async function notifyRuns(db: Db, runId = ''): Promise<void> {
  await sql`select pg_notify(${RUNS_CHANNEL}, ${runId})`.execute(db);
}
