import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { SigningKeyMissing, StoreLockedError, StoreUnreachable } from '../domain/errors.ts';
import type { Signer } from '../lib/signer.ts';
import type { Database } from './schema.ts';
import { storeSigner } from './signing-key.ts';

export type Db = Kysely<Database>;

const signers = new WeakMap<object, Signer>();

/**
 * The signer of the store `db` came from (approvals and the audit chain sign with it); throws
 * SigningKeyMissing, naming `what`, on a shared store opened without CLAW_SIGNING_KEY.
 */
export function signerOf(db: Db, what: string): Signer {
  const s = signers.get(db);
  if (!s) throw new SigningKeyMissing(what);
  return s;
}

/** The store's signer, or undefined on a shared store without a key (for checks that report it). */
export function maybeSignerOf(db: Db): Signer | undefined {
  return signers.get(db);
}

export interface StoreHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * LISTEN on `channel`: on a server through a dedicated connection (reconnecting, so a restarted
   * server does not leave the listener deaf); embedded, in-process. Resolves to the unsubscriber.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** `DATABASE_URL` → a pg pool; otherwise embedded PGlite in `dataDir` (one process at a time). */
export async function openStore(opts: {
  databaseUrl?: string;
  dataDir: string;
  memory?: boolean;
  poolSize?: number;
  onIdleError?: (err: Error) => void;
  signing?: { key?: string; previous?: readonly string[] };
}): Promise<StoreHandle> {
  const store = await openBackend(opts);
  const signer = storeSigner({
    key: opts.signing?.key,
    previous: opts.signing?.previous,
    shared: store.kind === 'postgres',
    memory: opts.memory,
    dataDir: opts.dataDir,
  });
  if (signer) signers.set(store.db, signer);
  return store;
}

async function openBackend(opts: {
  databaseUrl?: string;
  dataDir: string;
  memory?: boolean;
  poolSize?: number;
  onIdleError?: (err: Error) => void;
}): Promise<StoreHandle> {
  if (opts.databaseUrl) {
    const url = opts.databaseUrl;
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    // An idle connection dropped by a restarting or unreachable server is an 'error' event on the
    // pool: unhandled, it would kill the process. The pool discards that client; the next query
    // connects afresh (and fails, to its caller, while the server is still away).
    pool.on('error', (err) => opts.onIdleError?.(err));
    // A connection that breaks mid-query fails that query (its caller sees the error) and also
    // emits 'error' on the checked-out client, which pg-pool does not listen to then.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // One clear line for the usual mistakes (a closed port, a wrong password, a missing database),
    // instead of the pool's stack from whichever query happened to be first.
    await sql`select 1`.execute(db).catch(async (e: Error) => {
      await db.destroy();
      throw new StoreUnreachable(`cannot use the database DATABASE_URL names (${withoutPassword(url)}): ${e.message}`);
    });
    return {
      db,
      kind: 'postgres',
      listen: (channel, cb) => listenOnServer(url, channel, cb),
      close: () => db.destroy(),
    };
  }
  if (opts.memory) {
    const pglite = await PGlite.create();
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return { db, kind: 'pglite', listen: (channel, cb) => pglite.listen(channel, cb), close: () => db.destroy() };
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const release = lockDataDir(opts.dataDir);
  try {
    const pglite = await PGlite.create(join(opts.dataDir, 'pgdata'));
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      kind: 'pglite',
      listen: (channel, cb) => pglite.listen(channel, cb),
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

async function listenOnServer(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const scheduleReconnect = () => {
    if (closed) return;
    retry = setTimeout(() => void connect().catch(scheduleReconnect), 1000);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    let dead = false;
    const drop = () => {
      if (dead) return false;
      dead = true;
      if (client === c) client = undefined;
      c.end().catch(() => {});
      return true;
    };
    const lost = () => {
      if (drop()) scheduleReconnect();
    };
    c.on('notification', (n) => onNotify(n.payload ?? ''));
    c.on('error', lost);
    c.on('end', lost);
    client = c;
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (e) {
      drop();
      throw e;
    }
    // Whatever was announced while we were (re)connecting: the caller re-checks the table.
    onNotify('');
  };
  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
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

/** A connection string fit for a message: the password is the one part never shown. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString();
  } catch {
    return 'an unparsable URL';
  }
}
