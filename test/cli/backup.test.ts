import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';

const STATE = join(import.meta.dirname, '..', 'fixtures', 'backup', 'shop.yaml');

describe('claw backup and claw restore against a `claw sandbox` process, checked with the real kubectl', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-backup-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0APPROVER1, U0APPROVER2]\n');
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.skipIf(!KUBECTL)(
    'finds a namespace never backed up, backs it up once approved, then restores what was deleted since from that backup',
    async () => {
      const kenv = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'kcache') };
      const env = { ...kenv, CLAW_DATA_DIR: join(dir, 'data'), CLAW_CONFIG: join(dir, 'claw.yaml') };
      const sandbox = await startSandboxProcess(STATE, kenv.KUBECONFIG);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const first = await run(['backup', '-n', 'shop', '--json'], env);
        expect(first.code, first.stderr).toBe(0);
        const report = JSON.parse(first.stdout);
        expect(report.run.status).toBe('awaiting_approval');
        expect(report.findings[0]).toMatchObject({
          category: 'backup_missing',
          severity: 'high',
          object: { kind: 'Namespace', name: 'shop' },
        });
        const [backup] = report.proposals;
        expect(backup).toMatchObject({ action: 'velero_backup', status: 'pending', risk: 'low', dryRun: { ok: true } });
        expect(backup.target).toMatchObject({ kind: 'Backup', namespace: 'velero' });
        expect(backup.request).toMatch(/includedNamespaces:\n\s+- shop/);

        const approved = await run(['approve', backup.id, '--as', 'U0APPROVER1'], env);
        expect(approved.code, approved.stderr).toBe(0);
        expect(approved.stdout).toMatch(/completed \(\d+\/\d+ items\)/);
        const phase = kubectl(
          ['get', 'backup', backup.target.name, '-n', 'velero', '-o', 'jsonpath={.status.phase}'],
          kenv,
        );
        expect(phase.out).toBe('Completed');

        // Backed up, but nothing will back it up again: said, at low severity, with no proposal.
        const again = await run(['backup', '-n', 'shop'], env);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(/Namespace shop: unscheduled .*can be restored: yes: from shop-claw-\d{14}/);
        expect(again.stdout).toMatch(/^LOW\s+backup_missing\s+Namespace shop$/m);
        expect(again.stdout).not.toMatch(/^proposal /m);

        expect(kubectl(['delete', 'configmap', 'settings', '-n', 'shop'], kenv).code).toBe(0);
        const restore = await run(['restore', 'shop', '--json'], env);
        expect(restore.code, restore.stderr).toBe(0);
        const [proposal] = JSON.parse(restore.stdout).proposals;
        expect(proposal).toMatchObject({ action: 'velero_restore', risk: 'high', approvals: { required: 2 } });
        // The card says what the backup holds and what is already there, kept as it is.
        expect(proposal.summary).toContain(`from backup ${backup.target.name} into itself`);
        expect(proposal.summary).toMatch(/the backup holds \d+ items of shop/);
        expect(proposal.blastRadius).toMatch(/kept as they are.*Deployment web/);
        expect(proposal.blastRadius).not.toContain('ConfigMap settings');

        expect((await run(['approve', proposal.id, '--as', 'U0APPROVER1'], env)).code).toBe(0);
        const second = await run(['approve', proposal.id, '--as', 'U0APPROVER2'], env);
        expect(second.code, second.stderr).toBe(0);
        expect(second.stdout).toMatch(/Restore velero\/.* completed/);
        const back = kubectl(['get', 'configmap', 'settings', '-n', 'shop', '-o', 'jsonpath={.data.currency}'], kenv);
        expect(back.out).toBe('EUR');
      } finally {
        await sandbox.stop();
      }
    },
    180_000,
  );

  it.skipIf(!KUBECTL)(
    'refuses a restore from a backup that does not exist, in one line',
    async () => {
      const kenv = { KUBECONFIG: join(dir, 'kubeconfig2'), KUBECACHEDIR: join(dir, 'kcache') };
      const env = { ...kenv, CLAW_DATA_DIR: join(dir, 'data2'), CLAW_CONFIG: join(dir, 'claw.yaml') };
      const sandbox = await startSandboxProcess(STATE, kenv.KUBECONFIG);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const r = await run(['restore', 'shop', '--from', 'nope'], env);
        expect(r.stdout).toMatch(/could not be proposed|there is no Velero backup named nope/);
        expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
        const bad = await run(['restore', 'Shop!'], env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/not a Kubernetes name/);
      } finally {
        await sandbox.stop();
      }
    },
    120_000,
  );
});
