import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore, type StoreHandle } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** The signing key test stores sign with (CLAW_SIGNING_KEY for test processes on a shared store). */
export const TEST_SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789abcdef';

/** Backends a store test runs on: always PGlite; the real server too when TEST_DATABASE_URL is set. */
export const BACKENDS: ('pglite' | 'postgres')[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDb extends StoreHandle {
  url?: string;
  truncate(): Promise<void>;
}

/** A migrated store: in-memory PGlite, or a fresh database on the TEST_DATABASE_URL server. */
export async function openTestDb(kind: 'pglite' | 'postgres'): Promise<TestDb> {
  let url: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  if (kind === 'postgres') {
    if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
    const name = `claw_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(TEST_DATABASE_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    dropDb = async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const store = await openStore({
    databaseUrl: url,
    dataDir: '',
    memory: kind === 'pglite',
    signing: { key: TEST_SIGNING_KEY },
  });
  await migrate(store.db);
  return {
    ...store,
    url,
    async truncate() {
      await sql`truncate approvals, proposals, run_events, runs, alert_group_notes, alerts, alert_groups, alert_digests, tasks, audit_log, slack_events, scheduled_slots, slack_inbox restart identity cascade`.execute(
        store.db,
      );
    },
    async close() {
      await store.close();
      await dropDb?.();
    },
  };
}
