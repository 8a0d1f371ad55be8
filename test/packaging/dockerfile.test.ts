import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exerciseDockerfile, type ImageRun, instructions } from '../helpers/dockerfile-exercise.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE = process.execPath;

describe('Dockerfile: lint', () => {
  it('has no lint findings, and the linter does find a broken one', async () => {
    const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    expect(validate(text).map((d) => d.message)).toEqual([]);
    const broken = text.replace('EXPOSE 3000', 'EXPOSE http').replace('WORKDIR /app', 'WORKDIR');
    expect(validate(broken).length).toBeGreaterThanOrEqual(2);
  });

  it('builds on Node 24 slim, installs production dependencies only, runs as a non-root UID with a health check', async () => {
    const steps = instructions(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
    const arg = steps.find((s) => s.keyword === 'ARG' && s.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    expect(arg).toMatch(/^node:24(\.\d+)*-\w+-slim$/);
    expect(steps.filter((s) => s.keyword === 'FROM').every((s) => s.args.startsWith('$' + '{NODE_IMAGE}'))).toBe(true);
    expect(steps.find((s) => s.keyword === 'RUN' && s.args.includes('npm ci'))?.args).toContain('--omit=dev');
    const user = steps.filter((s) => s.keyword === 'USER').at(-1)?.args ?? '0';
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(steps.some((s) => s.keyword === 'HEALTHCHECK' && s.args.includes('/healthz'))).toBe(true);
  });
});

// The steps run for real: production install (offline, from the npm cache), copies through
// .dockerignore, then `claw serve` as the image's USER with the app read-only and HOME unwritable.
describe('Dockerfile: its steps, exercised without a Docker engine', () => {
  let dir: string;
  let image: ImageRun;
  let child: ChildProcess | undefined;
  let logs = '';
  const port = 20000 + Math.floor(Math.random() * 20000);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-image-'));
    chmodSync(dir, 0o755);
    image = exerciseDockerfile(ROOT, dir, {
      PATH: `${dirname(NODE)}:${process.env.PATH}`,
      HOME: process.env.HOME ?? '/root',
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
    });
  }, 180_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('ships production dependencies only, and src and migrations but not tests', async () => {
    const installed = JSON.parse(await readFile(join(image.workdir, 'node_modules', '.package-lock.json'), 'utf8'))
      .packages as Record<string, { dev?: boolean }>;
    expect(Object.keys(installed)).toContain('node_modules/@slack/bolt');
    expect(Object.keys(installed).some((p) => p === 'node_modules/vitest' || p === 'node_modules/node')).toBe(false);
    await expect(readFile(join(image.workdir, 'migrations', '20261128000000_initial.sql'), 'utf8')).resolves.toContain(
      'create table',
    );
    await expect(readFile(join(image.workdir, 'test', 'packaging', 'dockerfile.test.ts'))).rejects.toThrow();
  });

  it('starts `claw serve` as its non-root user on a read-only app, turns healthy, and exits cleanly on SIGTERM', async () => {
    const tmp = join(image.root, 'tmp');
    mkdirSync(tmp, { recursive: true, mode: 0o1777 });
    chmodSync(tmp, 0o1777);
    // readOnlyRootFilesystem: nothing under the app is writable, whoever runs it.
    execFile('chmod', ['-R', 'a-w', image.workdir]);
    const env = {
      ...image.env,
      PORT: String(port),
      TMPDIR: tmp,
      HOME: image.root,
      PATH: `${dirname(NODE)}:/usr/bin:/bin`,
    };
    const [cmd, ...args] = [...image.entrypoint, ...image.cmd].map((a) => (a === 'node' ? NODE : a));
    const asUser =
      process.getuid?.() === 0 && image.user
        ? ['setpriv', `--reuid=${image.user.uid}`, `--regid=${image.user.gid}`, '--clear-groups', '--']
        : [];
    const argv = [...asUser, cmd!, ...args];
    child = spawn(argv[0]!, argv.slice(1), { cwd: image.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => {
      logs += b;
    });
    child.stderr!.on('data', (b) => {
      logs += b;
    });
    const [hc, ...hcArgs] = image.healthcheck!.map((a) => (a === 'node' ? NODE : a));
    const healthy = () => new Promise<boolean>((resolve) => execFile(hc!, hcArgs, { env }, (e) => resolve(!e)));
    await waitFor('healthy (the HEALTHCHECK command)', async () => (await healthy()) || undefined, 30_000, 200).catch(
      (e) => {
        throw new Error(`${(e as Error).message}; claw serve printed:\n${logs}`);
      },
    );
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, string> };
    // The embedded store lives in /data (the one writable path the image prepares), migrated.
    expect(ready.checks).toMatchObject({ database: 'ok', migrations: 'ok' });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Within the pod's terminationGracePeriodSeconds (30), so Kubernetes never has to SIGKILL it.
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(logs).not.toMatch(/EACCES|EROFS|permission denied/i);
  }, 60_000);
});
