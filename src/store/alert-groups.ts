import { sql } from 'kysely';
import type { KnownAlert, IncomingAlert } from '../alerts/group-delta.ts';
import type { Db } from './db.ts';
import type { AlertGroup, AlertGroupStatus, StoredAlert } from './schema.ts';

export const ALERTS_CHANNEL = 'claw_alerts';

export interface GroupOpening {
  receiver: string;
  groupKey: string;
  status: AlertGroupStatus;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalUrl: string;
  /** Routing: applied only when the group is new. */
  channel: string | null;
  investigate: boolean;
  muted: boolean;
  cluster: string;
}

/**
 * Inserts the group or counts one more notification for it, and locks its row until the
 * transaction ends: notifications of one group are applied one at a time, across replicas.
 */
export async function lockGroup(db: Db, g: GroupOpening): Promise<AlertGroup & { inserted: boolean }> {
  return db.insertInto('alert_groups')
    .values({
      receiver: g.receiver, group_key: g.groupKey, status: g.status, group_labels: JSON.stringify(g.groupLabels), common_labels: JSON.stringify(g.commonLabels),
      common_annotations: JSON.stringify(g.commonAnnotations), external_url: g.externalUrl, channel: g.channel, investigate: g.investigate, muted: g.muted, cluster: g.cluster,
      firing: 0, resolved: 0, notifications: 1, version: 0,
    })
    .onConflict((oc) => oc.columns(['receiver', 'group_key']).doUpdateSet({
      notifications: sql`alert_groups.notifications + 1`,
      common_labels: sql`excluded.common_labels`,
      common_annotations: sql`excluded.common_annotations`,
      external_url: sql`excluded.external_url`,
    }))
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .executeTakeFirstOrThrow();
}

export async function knownAlerts(db: Db, groupId: string, fingerprints: string[]): Promise<Map<string, KnownAlert>> {
  const rows = await db.selectFrom('alerts').select(['fingerprint', 'status', 'starts_at']).where('group_id', '=', groupId).where('fingerprint', 'in', fingerprints).execute();
  return new Map(rows.map((r) => [r.fingerprint, { fingerprint: r.fingerprint, status: r.status, startsAt: r.starts_at }]));
}

/** Stores new alerts and status changes (one statement). Firing alerts have no end yet. */
export async function writeAlerts(db: Db, groupId: string, alerts: IncomingAlert[]): Promise<void> {
  if (!alerts.length) return;
  await db.insertInto('alerts')
    .values(alerts.map((a) => ({
      group_id: groupId, fingerprint: a.fingerprint, status: a.status, labels: JSON.stringify(a.labels), annotations: JSON.stringify(a.annotations),
      starts_at: a.startsAt, ends_at: a.status === 'resolved' && a.endsAt && !a.endsAt.startsWith('0001-') ? a.endsAt : null, generator_url: a.generatorURL,
    })))
    .onConflict((oc) => oc.columns(['group_id', 'fingerprint']).doUpdateSet({
      status: sql`excluded.status`, annotations: sql`excluded.annotations`, starts_at: sql`excluded.starts_at`, ends_at: sql`excluded.ends_at`,
      generator_url: sql`excluded.generator_url`, updated_at: sql`now()`,
    }))
    .execute();
}

/**
 * Records that the group changed in a way its thread must show: new counts and status, one more
 * version for Slack to catch up with, and the notes to post in the thread. Wakes the dispatchers.
 */
export async function recordChange(db: Db, groupId: string, c: { status: AlertGroupStatus; firing: number; resolved: number; notes: { kind: string; text: string }[] }): Promise<void> {
  await db.updateTable('alert_groups')
    .set({
      status: c.status, firing: c.firing, resolved: c.resolved, version: sql`version + 1`, updated_at: sql`now()`,
      resolved_at: c.status === 'resolved' ? sql`now()` : null,
    })
    .where('id', '=', groupId).execute();
  if (c.notes.length) await db.insertInto('alert_group_notes').values(c.notes.map((n) => ({ group_id: groupId, kind: n.kind, text: n.text }))).execute();
  await sql`select pg_notify(${ALERTS_CHANNEL}, ${groupId})`.execute(db);
}

/**
 * Takes groups whose thread is behind (version > synced_version) for `leaseSeconds`: any replica
 * may dispatch, none twice at once; a dispatcher that dies leaves its lease to expire.
 */
export async function claimUnsynced(db: Db, owner: string, leaseSeconds: number, limit: number): Promise<AlertGroup[]> {
  const r = await sql<AlertGroup>`update alert_groups set sync_owner = ${owner}, sync_until = now() + make_interval(secs => ${leaseSeconds})
    where id in (select id from alert_groups where version > synced_version and (sync_until is null or sync_until < now())
                 order by updated_at limit ${limit} for update skip locked)
    returning *`.execute(db);
  return r.rows;
}

/**
 * The thread shows `version` now (or gave up on it); the lease is released. The group's next
 * sync waits `holdMs`: its root message is edited at most that often, however fast it changes.
 */
export async function markSynced(db: Db, id: string, owner: string, version: number, holdMs: number, patch: Partial<Pick<AlertGroup, 'slack_error'>> = {}): Promise<void> {
  await db.updateTable('alert_groups')
    .set({ synced_version: sql`greatest(synced_version, ${version})`, sync_owner: null, sync_until: sql`now() + make_interval(secs => ${holdMs / 1000})`, sync_failures: 0, ...patch })
    .where('id', '=', id).where('sync_owner', '=', owner).execute();
}

/** Slack failed: try again after `retrySeconds` (it grows with each failure). */
export async function releaseGroup(db: Db, id: string, owner: string, retrySeconds: number): Promise<void> {
  await db.updateTable('alert_groups')
    .set({ sync_owner: null, sync_until: sql`now() + make_interval(secs => ${retrySeconds})`, sync_failures: sql`sync_failures + 1` })
    .where('id', '=', id).where('sync_owner', '=', owner).execute();
}

export async function setGroupThread(db: Db, id: string, patch: Partial<Pick<AlertGroup, 'thread_ts' | 'digest_id' | 'opened_at'>>): Promise<void> {
  await db.updateTable('alert_groups').set(patch).where('id', '=', id).execute();
}

/** The group's alerts, firing first, newest first within each (for its root message). */
export async function groupAlerts(db: Db, groupId: string, limit = 50): Promise<StoredAlert[]> {
  return db.selectFrom('alerts').selectAll().where('group_id', '=', groupId)
    .orderBy(sql`status = 'firing'`, 'desc').orderBy('starts_at', 'desc').limit(limit).execute();
}

export async function pendingNotes(db: Db, groupId: string): Promise<{ id: string; kind: string; text: string }[]> {
  return db.selectFrom('alert_group_notes').select(['id', 'kind', 'text']).where('group_id', '=', groupId).where('posted_at', 'is', null).orderBy('id').execute();
}

export async function markNotePosted(db: Db, id: string): Promise<void> {
  await db.updateTable('alert_group_notes').set({ posted_at: sql`now()` }).where('id', '=', id).execute();
}

export async function getAlertGroup(db: Db, id: string): Promise<AlertGroup | undefined> {
  return db.selectFrom('alert_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Starts the group's investigation at most once: true when `taskId` became the group's task. */
export async function claimInvestigation(db: Db, groupId: string, taskId: string, previous: string | null): Promise<boolean> {
  const r = await db.updateTable('alert_groups').set({ task_id: taskId, investigated_at: sql`now()` })
    .where('id', '=', groupId).where((eb) => (previous ? eb('task_id', '=', previous) : eb('task_id', 'is', null))).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
