import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { AlertDigest, AlertGroup } from './schema.ts';

export type Placement = { thread: 'own' } | { thread: 'digest'; digestId: string };

/**
 * Decides where a new group opens, once, serialised per channel across replicas (an advisory
 * lock): its own thread, or, when more than `threshold` groups opened in the channel within the
 * window, the channel's storm digest (a fresh one when the last went idle).
 */
export async function placeGroup(
  db: Db,
  group: Pick<AlertGroup, 'id' | 'channel'>,
  digest: { threshold: number; windowSeconds: number; idleMinutes: number },
): Promise<Placement> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('claw_alerts:' || ${group.channel}))`.execute(trx);
    const current = await trx
      .selectFrom('alert_groups')
      .select(['opened_at', 'digest_id'])
      .where('id', '=', group.id)
      .executeTakeFirstOrThrow();
    if (current.opened_at)
      return current.digest_id ? { thread: 'digest', digestId: current.digest_id } : { thread: 'own' };
    const { n } = await trx
      .selectFrom('alert_groups')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('channel', '=', group.channel)
      .where('opened_at', '>', sql<Date>`now() - make_interval(secs => ${digest.windowSeconds})`)
      .executeTakeFirstOrThrow();
    if (Number(n) < digest.threshold) {
      await trx.updateTable('alert_groups').set({ opened_at: sql`now()` }).where('id', '=', group.id).execute();
      return { thread: 'own' };
    }
    let d = await trx
      .selectFrom('alert_digests')
      .select('id')
      .where('channel', '=', group.channel!)
      .where('last_group_at', '>', sql<Date>`now() - make_interval(mins => ${digest.idleMinutes})`)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    d ??= await trx
      .insertInto('alert_digests')
      .values({ channel: group.channel! })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('alert_digests')
      .set({ last_group_at: sql`now()`, version: sql`version + 1` })
      .where('id', '=', d.id)
      .execute();
    await trx
      .updateTable('alert_groups')
      .set({ opened_at: sql`now()`, digest_id: d.id })
      .where('id', '=', group.id)
      .execute();
    return { thread: 'digest', digestId: d.id };
  });
}

/** A group in a digest changed: the digest message must be re-rendered. */
export async function touchDigest(db: Db, id: string): Promise<void> {
  await db.updateTable('alert_digests').set({ version: sql`version + 1` }).where('id', '=', id).execute();
}

/**
 * A group listed in a digest changed: one statement marks its notes as folded into the digest,
 * asks the digest to re-render, and marks the group synced (its next sync waits `holdMs`).
 */
export async function syncDigested(
  db: Db,
  g: Pick<AlertGroup, 'id' | 'digest_id' | 'version'>,
  owner: string,
  holdMs: number,
): Promise<void> {
  await sql`with n as (update alert_group_notes set posted_at = now() where group_id = ${g.id} and posted_at is null),
      d as (update alert_digests set version = version + 1 where id = ${g.digest_id})
    update alert_groups set synced_version = greatest(synced_version, ${g.version}), sync_owner = null, sync_failures = 0,
      sync_until = now() + make_interval(secs => ${holdMs / 1000})
    where id = ${g.id} and sync_owner = ${owner}`.execute(db);
}

/** Takes digests that are behind, as claimUnsynced does for groups. */
export async function claimDigests(db: Db, owner: string, leaseSeconds: number): Promise<AlertDigest[]> {
  const r =
    await sql<AlertDigest>`update alert_digests set sync_owner = ${owner}, sync_until = now() + make_interval(secs => ${leaseSeconds})
    where id in (select id from alert_digests where version > synced_version and (sync_until is null or sync_until < now()) order by id limit 10 for update skip locked)
    returning *`.execute(db);
  return r.rows;
}

/** Rendered `version`; the next render waits `holdMs` (a digest is edited at most that often). */
export async function markDigestSynced(
  db: Db,
  id: string,
  owner: string,
  version: number,
  patch: Partial<Pick<AlertDigest, 'ts'>>,
  holdMs: number,
  keepLease = false,
): Promise<void> {
  await db
    .updateTable('alert_digests')
    .set({
      synced_version: sql`greatest(synced_version, ${version})`,
      ...(keepLease ? {} : { sync_owner: null, sync_until: sql`now() + make_interval(secs => ${holdMs / 1000})` }),
      ...patch,
    })
    .where('id', '=', id)
    .where('sync_owner', '=', owner)
    .execute();
}

export async function releaseDigest(db: Db, id: string, owner: string, retrySeconds: number): Promise<void> {
  await db
    .updateTable('alert_digests')
    .set({ sync_owner: null, sync_until: sql`now() + make_interval(secs => ${retrySeconds})` })
    .where('id', '=', id)
    .where('sync_owner', '=', owner)
    .execute();
}

/** The digest's groups, firing first, for its message. */
export async function digestGroups(db: Db, digestId: string): Promise<AlertGroup[]> {
  return db
    .selectFrom('alert_groups')
    .selectAll()
    .where('digest_id', '=', digestId)
    .orderBy(sql`status = 'firing'`, 'desc')
    .orderBy('first_seen_at')
    .orderBy('id')
    .execute();
}
