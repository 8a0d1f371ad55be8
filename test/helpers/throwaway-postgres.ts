import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './replicas.ts';

export interface ThrowawayPostgres {
  url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back in a moment. */
  restart(): void;
  stop(): void;
}

/**
 * A PostgreSQL server of our own from the installed binaries (as `postgres` when running as
 * root): for tests that restart or stop the server, which a shared one cannot allow.
 */
export async function throwawayPostgres(): Promise<ThrowawayPostgres> {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) throw new Error('no PostgreSQL binaries in /usr/lib/postgresql');
  const bin = join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'claw-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => {
    const r = root
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', [cmd, ...args].map((a) => `'${a}'`).join(' ')], {
          stdio: 'pipe',
        })
      : spawnSync(cmd, args, { stdio: 'pipe' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  };
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300`;
  as(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  as(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-l', join(dir, 'pg.log'), '-w', 'start', '-o', options]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () =>
      as(join(bin, 'pg_ctl'), [
        '-D',
        join(dir, 'data'),
        '-l',
        join(dir, 'pg.log'),
        '-w',
        '-m',
        'fast',
        'restart',
        '-o',
        options,
      ]),
    stop() {
      try {
        as(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
