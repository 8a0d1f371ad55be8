import { sql } from 'kysely';
import type { Db } from './db.ts';

export interface InboxItem {
  id: string;
  payload: Record<string, unknown>;
  root_ts: string | null;
}

export async function enqueueInbox(db: Db, payload: Record<string, unknown>): Promise<string> {
  const row = await db
    .insertInto('slack_inbox')
    .values({ payload: JSON.stringify(payload) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(row.id);
}

/** Claims one open item for `owner` when nobody holds it (or its holder's claim lapsed): one holder at a time. */
export async function claimInbox(
  db: Db,
  id: string,
  owner: string,
  leaseSeconds: number,
): Promise<InboxItem | undefined> {
  const row = await db
    .updateTable('slack_inbox')
    .set({ claimed_by: owner, claimed_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', sql<Date>`now()`)]))
    .returning(['id', 'payload', 'root_ts'])
    .executeTakeFirst();
  return row ? { ...row, id: String(row.id) } : undefined;
}

/** Open items older than `olderThanSeconds` whose claim lapsed: what a dead replica left. Claimed for `owner`. */
export async function claimStaleInbox(
  db: Db,
  owner: string,
  olderThanSeconds: number,
  leaseSeconds: number,
  limit = 20,
): Promise<InboxItem[]> {
  const rows = await sql<{ id: string; payload: Record<string, unknown>; root_ts: string | null }>`
    update slack_inbox set claimed_by = ${owner}, claimed_until = now() + make_interval(secs => ${leaseSeconds})
    where id in (
      select id from slack_inbox
      where done_at is null and received_at < now() - make_interval(secs => ${olderThanSeconds})
        and (claimed_until is null or claimed_until < now())
      order by id limit ${limit} for update skip locked)
    returning id, payload, root_ts`.execute(db);
  return rows.rows.map((r) => ({ ...r, id: String(r.id) }));
}

export async function setInboxRoot(db: Db, id: string, rootTs: string): Promise<void> {
  await db.updateTable('slack_inbox').set({ root_ts: rootTs }).where('id', '=', id).execute();
}

/** Marks the item done with its task, inside the task's own transaction: true for exactly one caller. */
export async function completeInbox(trx: Db, id: string, taskId: string | null): Promise<boolean> {
  const r = await trx
    .updateTable('slack_inbox')
    .set({ done_at: sql`now()`, task_id: taskId })
    .where('id', '=', id)
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Forgets finished items after `days`. */
export async function pruneInbox(db: Db, days = 7): Promise<number> {
  const r = await db
    .deleteFrom('slack_inbox')
    .where('done_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Investigation requests received in the last `minutes`, by the asker and in the channel (this one included). */
export async function recentRequests(
  db: Db,
  who: { user: string; channel: string },
  minutes: number,
): Promise<{ byUser: number; inChannel: number }> {
  const r = await sql<{ by_user: number; in_channel: number }>`
    select count(*) filter (where payload->'ask'->>'user' = ${who.user})::int as by_user,
           count(*) filter (where payload->'ask'->>'channel' = ${who.channel})::int as in_channel
    from slack_inbox where received_at > now() - make_interval(mins => ${minutes})`.execute(db);
  return { byUser: r.rows[0]?.by_user ?? 0, inChannel: r.rows[0]?.in_channel ?? 0 };
}
