import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { CLAW, HAS_SCRIPT, run, startSandboxProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';

interface RunRow {
  id: string;
  status: string;
}

describe('a CLI command drives its own run, and Ctrl-C cancels it', () => {
  let dir: string;
  const env = (data: string, extra: Record<string, string> = {}) => ({
    CLAW_DATA_DIR: join(dir, data),
    CLAW_CONFIG: join(dir, 'claw.yaml'),
    ...extra,
  });
  const runsIn = async (data: string) => JSON.parse((await run(['runs', '--json'], env(data))).stdout) as RunRow[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-own-run-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0ME]\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('leaves a run left queued alone, lists it with how to resume or cancel it, and `claw resume` drives only it', async () => {
    const kubeconfig = join(dir, 'sandbox.kubeconfig');
    const sandbox = await startSandboxProcess(DEMO_SEED, kubeconfig);
    try {
      // A run an earlier, interrupted process left queued in the embedded store.
      const store = await openStore({ dataDir: join(dir, 'left') });
      await migrate(store.db);
      const { run: left } = await createTask(store.db, {
        kind: 'investigate',
        source: 'cli',
        requester: 'cli:tester',
        question: 'left behind',
      });
      await store.close();

      const inv = await run(['investigate', 'checkout is failing', '--json'], env('left', { KUBECONFIG: kubeconfig }));
      expect(inv.code, inv.stderr).toBe(0);
      expect(JSON.parse(inv.stdout).run.id).not.toBe(left.id);
      expect(inv.stderr).not.toContain(left.id);
      expect((await runsIn('left')).find((r) => r.id === left.id)?.status).toBe('queued');

      const listed = await run(['runs'], env('left'));
      expect(listed.stdout).toContain(
        '1 run queued: nothing runs them on this embedded store until you do: `claw resume RUN` drives one here, `claw cancel RUN` cancels it.',
      );
      const resumed = await run(['resume', left.id], env('left', { KUBECONFIG: kubeconfig }));
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`run ${left.id}: awaiting_approval`);
      expect((await run(['resume', left.id], env('left'))).stderr).toContain('is awaiting_approval; nothing to resume');
    } finally {
      await sandbox.stop();
    }
  }, 120_000);

  it('Ctrl-C during an investigation cancels its run and ends with one line, exit 130', async () => {
    const kubeconfig = join(dir, 'closed.kubeconfig');
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const child = spawn(process.execPath, [CLAW, 'investigate', 'checkout is failing'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env('ctrl-c', { KUBECONFIG: kubeconfig }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // The cluster refuses every connection: the run retries with back-off, long enough to interrupt.
    await waitFor('the first attempt to fail', () => stderr.includes('Attempt 1 of 3 failed'), 30_000);
    const closed = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(stderr).toMatch(/claw investigate: interrupted: run run_\w+ cancelled\n$/);
    expect(stderr).not.toMatch(/^\s+at /m);
    const [only] = await runsIn('ctrl-c');
    expect(only?.status).toBe('cancelled');
  }, 90_000);

  it.runIf(HAS_SCRIPT)(
    'Ctrl-C at the demo prompt cancels the demo run; the next investigation shows nothing of it',
    async () => {
      const child = spawn('script', ['-qec', `${process.execPath} ${CLAW} demo`, '/dev/null'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env('demo') },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await waitFor('the prompt', () => out.includes('Approve as U0CLAWDEMO? [y/N]'), 60_000);
      const closed = new Promise<number | null>((r) => child.on('close', r));
      child.stdin.write('\x03');
      expect(await closed).toBe(130);
      expect(out).toMatch(
        /claw demo: interrupted: run run_\w+ cancelled and its proposal withdrawn; nothing was changed/,
      );
      expect(out).not.toContain('AbortError');
      const [demoRun] = await runsIn('demo');
      expect(demoRun?.status).toBe('cancelled');

      const kubeconfig = join(dir, 'after-demo.kubeconfig');
      const sandbox = await startSandboxProcess(DEMO_SEED, kubeconfig);
      try {
        const next = await run(['investigate', 'checkout is failing'], env('demo', { KUBECONFIG: kubeconfig }));
        expect(next.code, next.stderr).toBe(0);
        expect(`${next.stdout}${next.stderr}`).not.toContain(demoRun!.id);
        expect(`${next.stdout}${next.stderr}`).not.toMatch(/supersed/i);
      } finally {
        await sandbox.stop();
      }
    },
    150_000,
  );
});
