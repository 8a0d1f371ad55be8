import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';
import { waitFor } from '../helpers/wait-for.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'single-revision-crash.yaml');

describe('claw CLI against a `claw sandbox` process, checked with the real kubectl', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-cli-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0APPROVER1]\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.skipIf(!KUBECTL)(
    'investigates with --json, approves through the same gate, and kubectl agrees the rollout recovered',
    async () => {
      const kubeconfig = join(dir, 'demo.kubeconfig');
      const sandbox = await startSandboxProcess(DEMO_SEED, kubeconfig);
      const kenv = { KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'kcache') };
      const env = { ...kenv, CLAW_DATA_DIR: join(dir, 'data-demo'), CLAW_CONFIG: join(dir, 'claw.yaml') };
      try {
        await new Promise((r) => setTimeout(r, 1500));
        const pods = kubectl(['get', 'pods', '-n', 'shop', '-o', 'name'], kenv);
        expect(pods.code).toBe(0);
        expect(pods.out.split('\n').filter((l) => l.startsWith('pod/cart-'))).toHaveLength(3);
        const stuck = kubectl(['rollout', 'status', 'deployment/cart', '-n', 'shop', '--timeout=1s'], kenv);
        expect(stuck.code).not.toBe(0);
        expect(stuck.out).toContain('1 out of 2 new replicas have been updated');

        const inv = await run(['investigate', '--json'], env);
        expect(inv.code, inv.stderr).toBe(0);
        const report = JSON.parse(inv.stdout);
        expect(report.run.status).toBe('awaiting_approval');
        expect(report.run.worker).toBe('runbooks');
        expect(report.findings[0]).toMatchObject({
          category: 'crash_loop',
          object: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
        });
        expect(report.findings[0].evidence.join('\n')).toContain('nil pointer dereference');
        const [proposal] = report.proposals;
        expect(proposal).toMatchObject({
          action: 'rollout_undo',
          status: 'pending',
          risk: 'medium',
          target: { name: 'cart' },
          dryRun: { ok: true },
        });
        expect(proposal.dryRun.diff).toMatch(
          /-\s+image: registry.example.com\/shop\/cart:1.4.2\n\+\s+image: registry.example.com\/shop\/cart:1.4.1/,
        );

        const refused = await run(['approve', proposal.id, '--as', 'U0SOMEONE'], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('not an approver');
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);

        const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER1'], env);
        expect(approved.code, approved.stderr).toBe(0);
        expect(approved.stdout).toContain('successfully rolled out');
        const again = await run(['approve', proposal.id, '--as', 'U0APPROVER1'], env);
        expect(again.code).toBe(1);
        expect(again.stderr).toContain('already executed');

        const ok = kubectl(['rollout', 'status', 'deployment/cart', '-n', 'shop', '--timeout=10s'], kenv);
        expect(ok.code, ok.out).toBe(0);
        expect(ok.out).toContain('successfully rolled out');

        const show = await run(['show', report.run.id, '--json'], env);
        const shown = JSON.parse(show.stdout);
        expect(shown.run.status).toBe('succeeded');
        expect(shown.proposals[0].status).toBe('executed');
        expect(shown.events.map((e: { type: string }) => e.type)).toEqual(
          expect.arrayContaining(['finding', 'proposal', 'execution', 'final']),
        );
        expect(shown.proposals[0].approvals).toEqual({
          required: 1,
          rule: 'default:one-approver',
          approvedBy: ['U0APPROVER1'],
        });
        // The text view shows what the card shows: blast radius, approvals, the way back.
        const text = (await run(['show', report.run.id], env)).stdout;
        expect(text).toContain('blast radius: 2 pod(s) of cart move to revision 1');
        expect(text).toContain('approvals: 1 required (rule default:one-approver), approved by U0APPROVER1');
        expect(text).toMatch(/to undo: kubectl rollout undo deployment\/cart -n shop --to-revision=2/);
        // A decision at the terminal is break-glass in the audit trail, with who typed it.
        const audit = (await run(['audit', 'export'], env)).stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(audit.find((a) => a.action === 'proposal.approve')?.data).toMatchObject({
          via: 'cli',
          breakGlass: true,
          osUser: expect.any(String),
        });
      } finally {
        await sandbox.stop();
      }
    },
    120_000,
  );

  it('from an Alertmanager payload: scopes to its namespace, proposes a restart when there is no earlier revision, keeps secrets out', async () => {
    const kubeconfig = join(dir, 'restart.kubeconfig');
    const sandbox = await startSandboxProcess(FIXTURE, kubeconfig);
    const env = {
      KUBECONFIG: kubeconfig,
      CLAW_DATA_DIR: join(dir, 'data-restart'),
      CLAW_CONFIG: join(dir, 'claw.yaml'),
    };
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const inv = await run(
        [
          'investigate',
          '--alert',
          join(import.meta.dirname, '..', 'fixtures', 'alertmanager', 'crashloop-firing.json'),
          '--json',
        ],
        env,
      );
      expect(inv.code, inv.stderr).toBe(0);
      const report = JSON.parse(inv.stdout);
      expect(report.findings[0]).toMatchObject({ category: 'crash_loop', object: { name: 'ledger-worker' } });
      expect(report.proposals).toHaveLength(1);
      expect(report.proposals[0]).toMatchObject({ action: 'rollout_restart', risk: 'low' });
      const everything = inv.stdout + inv.stderr;
      expect(everything).not.toContain('s3cr3t-pw');
      expect(everything).not.toContain('hunter2');
      expect(everything).toContain('connection refused');

      const rejected = await run(
        ['reject', report.proposals[0].id, '--as', 'U0APPROVER1', '--reason', 'db is down, restart will not help'],
        env,
      );
      expect(rejected.code, rejected.stderr).toBe(0);
      const show = JSON.parse((await run(['show', report.run.id, '--json'], env)).stdout);
      expect(show.proposals[0].status).toBe('rejected');
      expect(show.run.status).toBe('succeeded');
      expect(show.run.summary).toContain('no change was made');
      expect(show.run.summary).toContain('rejected by U0APPROVER1 ("db is down, restart will not help")');
      const noReason = await run(['reject', report.proposals[0].id, '--as', 'U0APPROVER1'], env);
      expect(noReason.code).toBe(2);
      await writeFile(join(dir, 'bad-alert.json'), '{"status": "firing"}');
      const badAlert = await run(['investigate', '--alert', join(dir, 'bad-alert.json')], env);
      expect(badAlert.code).toBe(2);
      expect(badAlert.stderr).toContain('not an Alertmanager webhook payload');
    } finally {
      await sandbox.stop();
    }
  }, 120_000);

  it('runs the demo end to end with --yes and exits 0', async () => {
    const started = Date.now();
    const demo = await run(['demo', '--yes'], { CLAW_DATA_DIR: join(dir, 'data-run-demo') });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).toContain('rollout_undo');
    expect(demo.stderr).toContain('deployment "cart" successfully rolled out');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('gives a clear error when a second process opens the same embedded store', async () => {
    const data = join(dir, 'data-locked');
    const sandbox = await startSandboxProcess(DEMO_SEED, join(dir, 'lock.kubeconfig'));
    try {
      const first = run(['demo', '--yes'], { CLAW_DATA_DIR: data });
      // Wait until the demo holds the store (its pid lock exists), however slow the machine is.
      await waitFor('the demo to lock its store', () => existsSync(join(data, 'claw.lock')), 60_000);
      const second = await run(['runs'], { CLAW_DATA_DIR: data });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('DATABASE_URL');
      expect((await first).code).toBe(0);
    } finally {
      await sandbox.stop();
    }
  }, 90_000);

  it('answers unknown commands and bad flags with usage', async () => {
    const unknown = await run(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: claw');
    const bad = await run(['sandbox'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state FILE is required');
    const warm = await run(['sandbox', '--state', FIXTURE, '--warmup', 'soon'], {});
    expect(warm.code).toBe(2);
    expect(warm.stderr).toContain('--warmup: "soon" is not a number of seconds');
    const asked = await run(['security', 'what', 'is', 'exposed'], {});
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('security takes no question ("what is exposed"): -n NS narrows it');
    expect(asked.stderr).toContain('usage: claw security');
    const nothing = await run(['generate'], {});
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('say what to run, like: claw generate "payments-api from');
  });
});
