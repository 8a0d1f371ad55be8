import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';
import { POSTURE_NO_TRIVY } from '../helpers/security-fixture.ts';

const WITH_TRIVY = join(import.meta.dirname, '..', 'fixtures', 'security', 'posture.yaml');

describe('claw security against a `claw sandbox` process, checked with the real kubectl', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-security-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0APPROVER1]\n');
    await writeFile(join(dir, 'no-trivy.yaml'), POSTURE_NO_TRIVY);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const envFor = (name: string) => {
    const kenv = { KUBECONFIG: join(dir, `${name}.kubeconfig`), KUBECACHEDIR: join(dir, 'kcache') };
    return { kenv, env: { ...kenv, CLAW_DATA_DIR: join(dir, `data-${name}`), CLAW_CONFIG: join(dir, 'claw.yaml') } };
  };

  it.skipIf(!KUBECTL)(
    'with the Trivy Operator: ranks a critical CVE first, bumps to the tag scanned clean, and the next review no longer finds it',
    async () => {
      const { kenv, env } = envFor('trivy');
      const sandbox = await startSandboxProcess(WITH_TRIVY, kenv.KUBECONFIG!);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        // The reports are custom resources kubectl reads like any other.
        const vulns = kubectl(['get', 'vulnerabilityreports', '-A', '-o', 'name'], kenv);
        expect(vulns.out).toContain('replicaset-payments-api-7c9d8f6b5d-api');

        const first = await run(['security', '--json'], env);
        expect(first.code, first.stderr).toBe(0);
        const report = JSON.parse(first.stdout);
        expect(report.run.status).toBe('awaiting_approval');
        expect(report.findings.map((f: any) => f.severity)).toEqual(
          [...report.findings.map((f: any) => f.severity)].sort(
            (a: string, b: string) =>
              ['critical', 'high', 'medium', 'low'].indexOf(a) - ['critical', 'high', 'medium', 'low'].indexOf(b),
          ),
        );
        expect(report.findings[0]).toMatchObject({
          category: 'vulnerable_image',
          object: { kind: 'Deployment', namespace: 'payments', name: 'payments-api' },
        });
        expect(new Set(report.findings.map((f: any) => f.category))).toEqual(
          new Set(['vulnerable_image', 'rbac_excessive', 'network_exposure', 'pod_security_violation']),
        );
        const [proposal] = report.proposals;
        expect(proposal).toMatchObject({ action: 'set_image', status: 'pending', dryRun: { ok: true } });
        expect(proposal.dryRun.diff).toMatch(
          /-\s+- image: ghcr.io\/acme\/payments-api:2.14.0\n\+\s+- image: ghcr.io\/acme\/payments-api:2.15.1/,
        );

        const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER1'], env);
        expect(approved.code, approved.stderr).toBe(0);
        const image = kubectl(
          [
            'get',
            'deploy',
            'payments-api',
            '-n',
            'payments',
            '-o',
            'jsonpath={.spec.template.spec.containers[0].image}',
          ],
          kenv,
        );
        expect(image.out).toBe('ghcr.io/acme/payments-api:2.15.1');

        const second = await run(['security'], env);
        expect(second.code, second.stderr).toBe(0);
        expect(second.stdout).not.toContain('vulnerable_image');
        expect(second.stdout).toMatch(/^CRITICAL rbac_excessive\s+ClusterRoleBinding payments-ci-admin$/m);
      } finally {
        await sandbox.stop();
      }
    },
    120_000,
  );

  it.skipIf(!KUBECTL)(
    'without it: says so, and raises a namespace to restricted only where nothing breaks — which the API server then enforces',
    async () => {
      const { kenv, env } = envFor('plain');
      const sandbox = await startSandboxProcess(join(dir, 'no-trivy.yaml'), kenv.KUBECONFIG!);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const text = await run(['security', '-n', 'payments'], env);
        expect(text.code, text.stderr).toBe(0);
        expect(text.stdout).toContain('Not checked: the Trivy Operator is not installed');
        expect(text.stdout).not.toContain('vulnerable_image');

        const asked = await run(
          ['investigate', 'can staging enforce the restricted pod security standard?', '-n', 'staging', '--json'],
          env,
        );
        expect(asked.code, asked.stderr).toBe(0);
        const report = JSON.parse(asked.stdout);
        expect(report.findings[0]).toMatchObject({
          category: 'pod_security_violation',
          object: { kind: 'Namespace', name: 'staging' },
        });
        const [proposal] = report.proposals;
        expect(proposal).toMatchObject({ action: 'set_pod_security', status: 'pending', risk: 'medium' });
        expect(proposal.dryRun.diff).toContain('+    pod-security.kubernetes.io/enforce: restricted');
        const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER1'], env);
        expect(approved.code, approved.stderr).toBe(0);
        expect(approved.stdout).toContain('pod-security.kubernetes.io/enforce=restricted');

        const refused = kubectl(['run', 'debug', '-n', 'staging', '--image=busybox:1.36'], kenv);
        expect(refused.code).not.toBe(0);
        expect(refused.out).toContain('violates PodSecurity "restricted:latest"');
        // payments cannot be raised: the tool itself refuses, naming the pods that could not restart.
        const payments = await run(
          ['investigate', 'raise payments to the restricted pod security level', '-n', 'payments', '--json'],
          env,
        );
        const p = JSON.parse(payments.stdout);
        expect(p.findings[0].summary).toContain('cannot be raised to "restricted"');
        expect(p.proposals.every((x: any) => x.action !== 'set_pod_security')).toBe(true);
      } finally {
        await sandbox.stop();
      }
    },
    120_000,
  );
});
