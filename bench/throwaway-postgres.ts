import pg from 'pg';
import { openStore } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { TEST_SIGNING_KEY } from '../test/helpers/test-db.ts';
import { throwawayPostgres } from '../test/helpers/throwaway-postgres.ts';

/**
 * A PostgreSQL server for a benchmark: `BENCH_DATABASE_URL` / `TEST_DATABASE_URL` when set, else a
 * throwaway cluster from the installed binaries (as `postgres` when running as root), stopped after.
 */
export async function benchPostgres(): Promise<{ url: string; stop(): void }> {
  const given = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (given) return { url: given, stop: () => {} };
  return throwawayPostgres();
}

/** A new, empty database on the benchmark server; its URL. */
export async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: u.toString(), dataDir: '', signing: { key: TEST_SIGNING_KEY } });
  await migrate(store.db);
  await store.close();
  return u.toString();
}
