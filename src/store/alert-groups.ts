import { sql } from 'kysely';
import type { IncomingAlert, WrittenAlert } from '../domain/alert-group-delta.ts';
import type { AlertGroupStatus } from '../domain/alertmanager-payload.ts';
import type { Db } from './db.ts';
import type { AlertGroup, StoredAlert } from './schema.ts';

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

/** A group as the ingest needs it back: where its counts stood, and whether it is new. */
export interface LockedGroup {
  id: string;
  receiver: string;
  group_key: string;
  status: AlertGroupStatus;
  firing: number;
  resolved: number;
  inserted: boolean;
}

/**
 * One statement for a batch of notifications: each group is inserted or counted once more, and
 * its row stays locked until the transaction ends (so a group's notifications apply one at a
 * time, across replicas; rows are taken in key order, so two batches never wait in a cycle);
 * then its alerts are stored where new or changed. A resolved alert "firing" again only counts
 * with a later start (a late copy of the old firing state is not a flap); anything else is a
 * repeat and is skipped. Everything travels as two JSON parameters: no bind-parameter limit.
 * Each (receiver, groupKey) at most once per call.
 */
export async function applyNotifications(
  db: Db,
  items: { group: GroupOpening; alerts: IncomingAlert[] }[],
): Promise<{ groups: LockedGroup[]; written: (WrittenAlert & { group_id: string })[] }> {
  const sorted = [...items].sort((a, b) =>
    a.group.receiver === b.group.receiver
      ? a.group.groupKey < b.group.groupKey
        ? -1
        : 1
      : a.group.receiver < b.group.receiver
        ? -1
        : 1,
  );
  const groups = sorted.map(({ group: g }) => ({
    r: g.receiver,
    k: g.groupKey,
    st: g.status,
    gl: g.groupLabels,
    cl: g.commonLabels,
    ca: g.commonAnnotations,
    u: g.externalUrl,
    ch: g.channel,
    inv: g.investigate,
    mute: g.muted,
    c: g.cluster,
  }));
  const alerts = sorted.flatMap(({ group, alerts }) =>
    alerts.map((a) => ({
      r: group.receiver,
      k: group.groupKey,
      fp: a.fingerprint,
      st: a.status,
      l: a.labels,
      an: a.annotations,
      s: a.startsAt,
      e: a.status === 'resolved' && a.endsAt && !a.endsAt.startsWith('0001-') ? a.endsAt : null,
      u: a.generatorURL,
    })),
  );
  const r = await sql<{ kind: 'g' | 'w'; row: Record<string, unknown> }>`
    with g as (
      insert into alert_groups (receiver, group_key, status, group_labels, common_labels, common_annotations, external_url, channel, investigate, muted, cluster, firing, resolved, notifications, version)
      select x->>'r', x->>'k', x->>'st', x->'gl', x->'cl', x->'ca', x->>'u', x->>'ch', (x->>'inv')::boolean, (x->>'mute')::boolean, x->>'c', 0, 0, 1, 0
        from jsonb_array_elements(${JSON.stringify(groups)}::jsonb) with ordinality as t(x, i) order by i
      on conflict (receiver, group_key) do update set notifications = alert_groups.notifications + 1, common_labels = excluded.common_labels,
        common_annotations = excluded.common_annotations, external_url = excluded.external_url
      returning id, receiver, group_key, status, firing, resolved, (xmax = 0) as inserted),
    w as (
      insert into alerts (group_id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url)
      select g.id, a->>'fp', a->>'st', a->'l', a->'an', (a->>'s')::timestamptz, (a->>'e')::timestamptz, a->>'u'
        from jsonb_array_elements(${JSON.stringify(alerts)}::jsonb) as a join g on g.receiver = a->>'r' and g.group_key = a->>'k'
      on conflict (group_id, fingerprint) do update set status = excluded.status, annotations = excluded.annotations, starts_at = excluded.starts_at,
        ends_at = excluded.ends_at, generator_url = excluded.generator_url, updated_at = now()
        where alerts.status <> excluded.status and (excluded.status = 'resolved' or excluded.starts_at > alerts.starts_at)
      returning group_id, fingerprint, status, (xmax = 0) as inserted)
    select 'g' as kind, to_jsonb(g) as row from g union all select 'w' as kind, to_jsonb(w) as row from w`.execute(db);
  const out = { groups: [] as LockedGroup[], written: [] as (WrittenAlert & { group_id: string })[] };
  for (const { kind, row } of r.rows) {
    if (kind === 'g') out.groups.push({ ...(row as unknown as LockedGroup), id: String(row.id) });
    else out.written.push({ ...(row as unknown as WrittenAlert), group_id: String(row.group_id) });
  }
  return out;
}

export interface GroupChange {
  groupId: string;
  status: AlertGroupStatus;
  firing: number;
  resolved: number;
  notes: { kind: string; text: string }[];
}

/**
 * Records that groups changed in a way their threads must show: new counts and status, one more
 * version for Slack to catch up with, and the notes to post. Wakes the dispatchers. One round trip
 * for the whole batch: a storm sends thousands of notifications.
 */
export async function recordChanges(db: Db, changes: GroupChange[]): Promise<void> {
  if (!changes.length) return;
  const groups = changes.map((c) => ({ id: c.groupId, status: c.status, firing: c.firing, resolved: c.resolved }));
  const notes = changes.flatMap((c) => c.notes.map((n) => ({ g: c.groupId, kind: n.kind, text: n.text })));
  await sql`with c as (select * from jsonb_to_recordset(${JSON.stringify(groups)}::jsonb) as c(id bigint, status text, firing int, resolved int)),
    g as (update alert_groups a set status = c.status, firing = c.firing, resolved = c.resolved, version = a.version + 1, updated_at = now(),
        resolved_at = case when c.status = 'resolved' then now() end
      from c where a.id = c.id returning a.id),
    n as (insert into alert_group_notes (group_id, kind, text)
      select (x->>'g')::bigint, x->>'kind', x->>'text' from jsonb_array_elements(${JSON.stringify(notes)}::jsonb) as x)
    select pg_notify(${ALERTS_CHANNEL}, (select count(*) from g)::text)`.execute(db);
}

/**
 * Takes groups whose thread is behind (version > synced_version) for `leaseSeconds`: any replica
 * may dispatch, none twice at once; a dispatcher that dies leaves its lease to expire.
 */
export async function claimUnsynced(db: Db, owner: string, leaseSeconds: number, limit: number): Promise<AlertGroup[]> {
  const r =
    await sql<AlertGroup>`update alert_groups set sync_owner = ${owner}, sync_until = now() + make_interval(secs => ${leaseSeconds})
    where id in (select id from alert_groups where version > synced_version and (sync_until is null or sync_until < now())
                 order by updated_at limit ${limit} for update skip locked)
    returning *`.execute(db);
  return r.rows;
}

/**
 * The thread shows `version` now (or gave up on it); the lease is released. The group's next
 * sync waits `holdMs`: its root message is edited at most that often, however fast it changes.
 */
export async function markSynced(
  db: Db,
  id: string,
  owner: string,
  version: number,
  holdMs: number,
  patch: Partial<Pick<AlertGroup, 'slack_error'>> = {},
): Promise<void> {
  await db
    .updateTable('alert_groups')
    .set({
      synced_version: sql`greatest(synced_version, ${version})`,
      sync_owner: null,
      sync_until: sql`now() + make_interval(secs => ${holdMs / 1000})`,
      sync_failures: 0,
      ...patch,
    })
    .where('id', '=', id)
    .where('sync_owner', '=', owner)
    .execute();
}

/** Slack failed: try again after `retrySeconds` (it grows with each failure). */
export async function releaseGroup(db: Db, id: string, owner: string, retrySeconds: number): Promise<void> {
  await db
    .updateTable('alert_groups')
    .set({
      sync_owner: null,
      sync_until: sql`now() + make_interval(secs => ${retrySeconds})`,
      sync_failures: sql`sync_failures + 1`,
    })
    .where('id', '=', id)
    .where('sync_owner', '=', owner)
    .execute();
}

/** Saved the moment Slack answers: the group's thread is opened once. */
export async function setGroupThread(db: Db, id: string, threadTs: string): Promise<void> {
  await db.updateTable('alert_groups').set({ thread_ts: threadTs }).where('id', '=', id).execute();
}

/** The group's alerts, firing first, newest first within each (for its root message). */
export async function groupAlerts(db: Db, groupId: string, limit = 50): Promise<StoredAlert[]> {
  return db
    .selectFrom('alerts')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy(sql`status = 'firing'`, 'desc')
    .orderBy('starts_at', 'desc')
    .limit(limit)
    .execute();
}

export async function pendingNotes(db: Db, groupId: string): Promise<{ id: string; kind: string; text: string }[]> {
  return db
    .selectFrom('alert_group_notes')
    .select(['id', 'kind', 'text'])
    .where('group_id', '=', groupId)
    .where('posted_at', 'is', null)
    .orderBy('id')
    .execute();
}

export async function markNotesPosted(db: Db, ids: string[]): Promise<void> {
  await db.updateTable('alert_group_notes').set({ posted_at: sql`now()` }).where('id', 'in', ids).execute();
}

/** Starts the group's investigation at most once: true when `taskId` became the group's task. */
export async function claimInvestigation(
  db: Db,
  groupId: string,
  taskId: string,
  previous: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('alert_groups')
    .set({ task_id: taskId, investigated_at: sql`now()` })
    .where('id', '=', groupId)
    .where((eb) => (previous ? eb('task_id', '=', previous) : eb('task_id', 'is', null)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
