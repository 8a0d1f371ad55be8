import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAW, HAS_SCRIPT, run } from '../helpers/cli.ts';
import { TEST_SIGNING_KEY } from '../helpers/test-db.ts';

/** What a user's mistake must look like: one line naming it, no stack trace. */
const oneClearLine = (stderr: string) => {
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
};

describe('ordinary mistakes get one clear line, never a stack trace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-mistakes-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const env = (extra: Record<string, string>) => ({
    CLAW_DATA_DIR: join(dir, 'data'),
    CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
    ...extra,
  });

  it.each([
    [
      'a closed port',
      'postgres://claw:s3cret-pw@127.0.0.1:1/claw',
      /^claw runs: cannot use the database DATABASE_URL names \(postgres:\/\/claw@127\.0\.0\.1:1\/claw\): connect ECONNREFUSED/,
    ],
    ['not a URL at all', 'not a url', /^claw runs: DATABASE_URL: not a postgres:\/\/ URL/],
    ['another scheme', 'mysql://claw@127.0.0.1/claw', /^claw runs: DATABASE_URL: not a postgres:\/\/ URL/],
  ])('a DATABASE_URL with %s', async (_name, url, line) => {
    const r = await run(['runs'], env({ DATABASE_URL: url }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(line);
    expect(r.stderr).not.toContain('s3cret-pw');
    oneClearLine(r.stderr);
  });

  it.runIf(process.env.TEST_DATABASE_URL)('a database role that does not exist, on a real server', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.username = 'nobody_here';
    url.password = 'wrong';
    const r = await run(['runs'], env({ DATABASE_URL: url.toString() }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cannot use the database DATABASE_URL names .*: (role "nobody_here" does not exist|password authentication failed)/,
    );
    expect(r.stderr).not.toContain(':wrong@');
    oneClearLine(r.stderr);
  });

  it.runIf(HAS_SCRIPT)(
    'on a terminal, progress comes without JSON log lines; piped, the warnings are JSON on stderr',
    async () => {
      const kubeconfig = join(dir, 'closed-port.kubeconfig');
      await writeFile(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
          'users: [{name: u, user: {token: abc}}]',
          'contexts: [{name: x, context: {cluster: c, user: u}}]',
          'current-context: x',
        ].join('\n'),
      );
      const ask = `${process.execPath} ${CLAW} investigate "checkout is failing"`;
      // script(1) gives the command a terminal, as a person running it has.
      const tty = await run(
        ['-qec', ask, '/dev/null'],
        env({ KUBECONFIG: kubeconfig, CLAW_DATA_DIR: join(dir, 'tty') }),
        'script',
      );
      expect(tty.stdout).toContain('gave up after 3 attempts');
      expect(tty.stdout).toContain('ECONNREFUSED');
      expect(tty.stdout).not.toContain('{"level"');
      const piped = await run(
        ['investigate', 'checkout is failing'],
        env({ KUBECONFIG: kubeconfig, CLAW_DATA_DIR: join(dir, 'piped') }),
      );
      expect(piped.stderr).toContain('gave up after 3 attempts');
      expect(piped.stderr).toMatch(/^\{"level":40,.*"msg":"run attempt failed; retrying"\}$/m);
    },
    90_000,
  );

  it('stops quietly when the reader of its output leaves (claw runs | head -1)', async () => {
    const child = spawn(process.execPath, [CLAW, 'runs'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env({}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);
});
