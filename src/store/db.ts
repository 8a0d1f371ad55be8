import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface StoreHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export class StoreLockedError extends Error {}

/** `DATABASE_URL` → a pg pool; otherwise embedded PGlite in `dataDir` (one process at a time). */
export async function openStore(opts: { databaseUrl?: string; dataDir: string; memory?: boolean }): Promise<StoreHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (opts.memory) {
    const pglite = await PGlite.create();
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return { db, kind: 'pglite', close: () => db.destroy() };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const release = lockDataDir(opts.dataDir);
  try {
    const pglite = await PGlite.create(join(opts.dataDir, 'pgdata'));
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * PGlite is one backend in one process; two processes on one data directory would corrupt it.
 * A pid lock file turns that into a clear error.
 */
function lockDataDir(dir: string): () => void {
  const lock = join(dir, 'claw.lock');
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new StoreLockedError(
        `the embedded store in ${dir} is in use by process ${pid}. PGlite serves one process at a time: ` +
          'stop the other claw process, use another CLAW_DATA_DIR, or set DATABASE_URL to share a PostgreSQL store.',
      );
    }
  } catch (e) {
    if (e instanceof StoreLockedError) throw e;
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
