import { sql } from 'kysely';
import type { Db } from './db.ts';

/**
 * Records a Slack event id; true only for its first delivery. Slack retries an event up to three
 * times within minutes and any replica may receive a retry, so the store is the arbiter.
 */
export async function firstDelivery(db: Db, eventId: string): Promise<boolean> {
  const row = await db
    .insertInto('slack_events')
    .values({ event_id: eventId })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Forgets event ids older than `hours` (retries span about five minutes). */
export async function pruneSlackEvents(db: Db, hours = 24): Promise<number> {
  const r = await db
    .deleteFrom('slack_events')
    .where('received_at', '<', sql<Date>`now() - make_interval(hours => ${hours})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
