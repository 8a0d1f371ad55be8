import { sql } from 'kysely';
import type { Db } from './db.ts';

/** What one channel's daily digest says: what is open now and how the last day went. */
export interface ChannelDigest {
  channel: string;
  openIncidents: {
    id: string;
    alertname: string;
    namespace?: string;
    firing: number;
    threadTs: string | null;
    openedAt: Date | null;
  }[];
  pendingApprovals: {
    id: string;
    action: string;
    target: { kind: string; namespace?: string; name: string };
    risk: string;
    expiresAt: Date;
    slackTs: string | null;
  }[];
  /** Runs that ended since `since`, by status. */
  runs: Record<string, number>;
  /** Proposals settled since `since` (executed, failed, rejected, expired, superseded), by status. */
  proposals: Record<string, number>;
  /** The audit log's head when the digest was made: one more copy of it outside the database. */
  auditHead?: { seq: string; hash: string };
}

const SETTLED = ['executed', 'failed', 'rejected', 'expired', 'superseded'] as const;

/**
 * One digest per channel with something to say (or per listed channel, when `channels` names
 * them): firing alert groups, proposals waiting for a decision, and runs and proposals that ended
 * since `since`.
 */
export async function dailyDigests(db: Db, since: Date, channels: readonly string[] = []): Promise<ChannelDigest[]> {
  const [incidents, pending, runs, proposals] = await Promise.all([
    db
      .selectFrom('alert_groups')
      .select(['id', 'channel', 'group_labels', 'common_labels', 'firing', 'thread_ts', 'opened_at'])
      .where('status', '=', 'firing')
      .where('muted', '=', false)
      .where('channel', 'is not', null)
      .orderBy('opened_at')
      .execute(),
    db
      .selectFrom('proposals')
      .select(['id', 'slack_channel', 'action', 'target', 'risk', 'expires_at', 'slack_ts'])
      .where('status', '=', 'pending')
      .where('slack_channel', 'is not', null)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('runs')
      .innerJoin('tasks', 'tasks.id', 'runs.task_id')
      .select(['tasks.slack_channel as channel', 'runs.status', sql<number>`count(*)::int`.as('n')])
      .where('runs.finished_at', '>=', since)
      .where('tasks.slack_channel', 'is not', null)
      .groupBy(['tasks.slack_channel', 'runs.status'])
      .execute(),
    db
      .selectFrom('proposals')
      .select(['slack_channel as channel', 'status', sql<number>`count(*)::int`.as('n')])
      .where('status', 'in', SETTLED)
      .where('slack_channel', 'is not', null)
      .where(sql<Date>`coalesce(executed_at, decided_at, expires_at)`, '>=', since)
      .groupBy(['slack_channel', 'status'])
      .execute(),
  ]);
  const out = new Map<string, ChannelDigest>();
  const of = (channel: string) => {
    const d = out.get(channel) ?? { channel, openIncidents: [], pendingApprovals: [], runs: {}, proposals: {} };
    out.set(channel, d);
    return d;
  };
  for (const channel of channels) of(channel);
  const wanted = (c: string | null): c is string => c !== null && (channels.length === 0 || channels.includes(c));
  for (const g of incidents)
    if (wanted(g.channel))
      of(g.channel).openIncidents.push({
        id: String(g.id),
        alertname: g.common_labels.alertname ?? g.group_labels.alertname ?? 'Alert group',
        namespace: g.common_labels.namespace,
        firing: g.firing,
        threadTs: g.thread_ts,
        openedAt: g.opened_at,
      });
  for (const p of pending)
    if (wanted(p.slack_channel))
      of(p.slack_channel).pendingApprovals.push({
        id: p.id,
        action: p.action,
        target: p.target,
        risk: p.risk,
        expiresAt: p.expires_at,
        slackTs: p.slack_ts,
      });
  for (const r of runs) if (wanted(r.channel)) of(r.channel).runs[r.status] = r.n;
  for (const p of proposals) if (wanted(p.channel)) of(p.channel).proposals[p.status] = p.n;
  return [...out.values()].sort((a, b) => a.channel.localeCompare(b.channel));
}
