import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

/**
 * Applies pending `migrations/*.sql` in name (timestamp) order, each in its own transaction.
 * An advisory lock makes replicas starting together apply each migration once.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await sql`create table if not exists claw_migrations (name text primary key, applied_at timestamptz not null default now())`.execute(
    db,
  );
  const files = readdirSync(dir)
    .filter((f) => /^\d{14}_[\w-]+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const done = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(7231001)`.execute(trx);
      const seen = await trx.selectFrom('claw_migrations').select('name').where('name', '=', file).executeTakeFirst();
      if (seen) return false;
      // One statement at a time: PGlite's extended protocol takes a single statement per query.
      for (const stmt of splitStatements(readFileSync(join(dir, file), 'utf8'))) await sql.raw(stmt).execute(trx);
      await trx.insertInto('claw_migrations').values({ name: file }).execute();
      return true;
    });
    if (done) applied.push(file);
  }
  return applied;
}

export async function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const rows = await db
    .selectFrom('claw_migrations')
    .select('name')
    .execute()
    .catch(() => []);
  const seen = new Set(rows.map((r) => r.name));
  return files.filter((f) => !seen.has(f));
}

/** Splits a migration on semicolons that end a line; migrations keep function bodies out. */
export function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
