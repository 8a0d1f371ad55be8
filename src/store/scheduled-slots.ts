import { sql } from 'kysely';
import type { Db } from './db.ts';

/**
 * Claims `job`'s `slot` for `owner`: true for exactly one caller per slot, whichever replica asks
 * first. A slot whose owner died before finishing (its lease passed) may be claimed again; one
 * that finished never is.
 */
export async function claimSlot(db: Db, job: string, slot: Date, owner: string, leaseMs: number): Promise<boolean> {
  const leaseUntil = new Date(Date.now() + leaseMs);
  const row = await db
    .insertInto('scheduled_slots')
    .values({ job, slot, owner, lease_until: leaseUntil })
    .onConflict((oc) =>
      oc
        .columns(['job', 'slot'])
        .doUpdateSet({ owner, started_at: sql`now()`, lease_until: leaseUntil })
        .where('scheduled_slots.finished_at', 'is', null)
        .where('scheduled_slots.lease_until', '<', sql<Date>`now()`),
    )
    .returning('owner')
    .executeTakeFirst();
  return row !== undefined;
}

export async function finishSlot(db: Db, job: string, slot: Date, owner: string): Promise<void> {
  await db
    .updateTable('scheduled_slots')
    .set({ finished_at: sql`now()` })
    .where('job', '=', job)
    .where('slot', '=', slot)
    .where('owner', '=', owner)
    .execute();
}

export async function listSlots(db: Db, job: string) {
  return db.selectFrom('scheduled_slots').selectAll().where('job', '=', job).orderBy('slot').execute();
}

/** Forgets finished slots older than `days`. */
export async function pruneSlots(db: Db, days = 30): Promise<number> {
  const r = await db
    .deleteFrom('scheduled_slots')
    .where('finished_at', 'is not', null)
    .where('slot', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
