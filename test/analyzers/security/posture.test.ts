import { beforeAll, describe, expect, it } from 'vitest';
import { securityPosture } from '../../../src/analyzers/security/posture.ts';
import { KubeReader } from '../../../src/cluster/kube-reader.ts';
import type { SecurityReport } from '../../../src/domain/security-finding.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { readSecuritySnapshot } from '../../../src/tools/read/security-reader.ts';
import { kubeConfigOf } from '../../helpers/proposal-fixture.ts';
import { POSTURE, POSTURE_NO_TRIVY } from '../../helpers/security-fixture.ts';

async function postureOf(stateYaml: string, namespace?: string): Promise<SecurityReport> {
  const sandbox = await startSandbox({ stateYaml, tickMs: 50 });
  try {
    await new Promise((r) => setTimeout(r, 600));
    return securityPosture(await readSecuritySnapshot(new KubeReader(kubeConfigOf(sandbox)), namespace));
  } finally {
    await sandbox.stop();
  }
}

const by = (r: SecurityReport, category: string, name: string) =>
  r.findings.find((f) => f.category === category && f.object.name === name);

describe('security posture of a simulated cluster, read through the API', () => {
  let report: SecurityReport;
  beforeAll(async () => {
    report = await postureOf(POSTURE);
  });

  it('ranks worst first: critical findings lead, low ones close', () => {
    const ranks = report.findings.map((f) => ['critical', 'high', 'medium', 'low'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(report.findings[0]).toMatchObject({ category: 'vulnerable_image', severity: 'critical' });
    expect(report.counts.critical).toBe(2);
    expect(report.trivy).toEqual({ installed: true, reports: 5 });
  });

  it("names a Deployment's critical CVEs from its ReplicaSet's report, and a tag scanned without them as the fix", () => {
    const f = by(report, 'vulnerable_image', 'payments-api')!;
    expect(f.object).toEqual({ kind: 'Deployment', namespace: 'payments', name: 'payments-api' });
    expect(f.summary).toContain('ghcr.io/acme/payments-api:2.14.0 with 1 critical and 2 high');
    expect(f.evidence.join('\n')).toContain(
      'CVE-2024-45337 (CRITICAL) in golang.org/x/crypto v0.21.0: fixed in 0.31.0',
    );
    expect(f.fix).toMatchObject({
      tool: 'set_image',
      input: {
        namespace: 'payments',
        kind: 'Deployment',
        name: 'payments-api',
        container: 'api',
        image: 'ghcr.io/acme/payments-api:2.15.1',
      },
    });
    // staging's 2.15.1 is clean: no finding of its own.
    expect(report.findings.filter((x) => x.category === 'vulnerable_image' && x.summary.includes('CVEs'))).toHaveLength(
      1,
    );
  });

  it("reviews RBAC binding by binding, with the subjects and the pods it reaches; Kubernetes' own bindings are left alone", () => {
    const admin = by(report, 'rbac_excessive', 'payments-ci-admin')!;
    expect(admin).toMatchObject({
      severity: 'critical',
      grantedBy: 'ClusterRoleBinding payments-ci-admin',
      subjects: ['ServiceAccount payments/default'],
    });
    expect(admin.evidence.join('\n')).toMatch(/pods running as it: payments\/(log-shipper|payments-api)/);
    expect(by(report, 'rbac_excessive', 'cluster-admin')).toBeUndefined();
    expect(by(report, 'rbac_excessive', 'reporting-reads-secrets')).toMatchObject({
      severity: 'medium',
      subjects: ['User reporting-bot'],
    });
    const idle = by(report, 'rbac_excessive', 'reports')!;
    expect(idle.summary).toContain('has no RBAC permission, yet 1 pod mounts its token');
    expect(idle.fix).toMatchObject({
      tool: 'patch',
      input: { kind: 'ServiceAccount', patch: { automountServiceAccountToken: false } },
    });
  });

  it('finds a namespace open to everything, worse with a LoadBalancer, and a policy that selects nothing', () => {
    const open = report.findings.find((f) => f.category === 'network_exposure' && f.object.name === 'payments')!;
    expect(open.severity).toBe('high');
    expect(open.summary).toContain('has no default-deny NetworkPolicy');
    expect(open.summary).toContain('LoadBalancer Service payments-api');
    expect(by(report, 'network_exposure', 'api-allow-ingress')?.summary).toContain('selects no pod');
    // staging denies by default and opens nothing: no finding.
    expect(report.findings.some((f) => f.category === 'network_exposure' && f.object.name === 'staging')).toBe(false);
  });

  it('says which workloads keep a namespace from restricted, check by check, and which can be raised safely', () => {
    const payments = report.findings.find(
      (f) => f.category === 'pod_security_violation' && f.object.kind === 'Namespace' && f.object.name === 'payments',
    )!;
    expect(payments.severity).toBe('high');
    expect(payments.summary).toContain('cannot be raised to "restricted"');
    const evidence = payments.evidence.join('\n');
    expect(evidence).toContain(
      'DaemonSet log-shipper would violate "restricted": restricted volume types (volume "varlog")',
    );
    expect(evidence).toContain('DaemonSet log-shipper needs a design change');
    expect(evidence).toContain('Deployment payments-api can pass with a securityContext patch');
    expect(payments.fix).toMatchObject({
      tool: 'patch',
      input: { kind: 'Deployment', name: 'payments-api', patchType: 'strategic' },
    });
    const staging = report.findings.find(
      (f) => f.category === 'pod_security_violation' && f.object.name === 'staging',
    )!;
    expect(staging).toMatchObject({
      severity: 'low',
      fix: { tool: 'set_pod_security', input: { namespace: 'staging', level: 'restricted' } },
    });
  });

  it('names a secret baked into the image by rule and file, never by what matched', () => {
    const leak = report.findings.find(
      (f) => f.category === 'vulnerable_image' && f.summary.includes('exposed secret'),
    )!;
    expect(leak).toMatchObject({ severity: 'high', object: { kind: 'Deployment', name: 'payments-api' } });
    expect(leak.evidence).toEqual([
      'ExposedSecretReport replicaset-payments-api-7c9d8f6b5d-api: HIGH aws-access-key-id (AWS Access Key ID) in /app/.env',
    ]);
    expect(JSON.stringify(report)).not.toContain('AKIA');
  });

  it("adds Trivy's RBAC assessment of the role to the binding, and its compliance reports' failing controls", () => {
    const admin = by(report, 'rbac_excessive', 'payments-ci-admin')!;
    expect(admin.evidence).toContain(
      'RbacAssessmentReport clusterrole-6f69bb5b79: KSV046 Manage all resources (CRITICAL)',
    );
    expect(report.compliance).toEqual([
      {
        id: 'k8s-pss-restricted-0.1',
        title: 'Kubernetes Pod Security Standards - Restricted',
        failing: [{ name: 'Privilege Escalation', severity: 'MEDIUM', totalFail: 3 }],
      },
    ]);
  });

  it("carries Trivy's failed configuration checks on the workload they are about", () => {
    const audit = report.findings.find(
      (f) => f.category === 'pod_security_violation' && f.object.kind === 'Deployment',
    )!;
    expect(audit.evidence[0]).toContain('KSV014 Root file system is not read-only (HIGH)');
  });
});

describe('security posture without the Trivy Operator, and in one namespace', () => {
  it('says the operator is not installed instead of reporting no vulnerable images', async () => {
    const r = await postureOf(POSTURE_NO_TRIVY);
    expect(r.trivy.installed).toBe(false);
    expect(r.trivy.note).toContain('not installed');
    expect(r.findings.some((f) => f.category === 'vulnerable_image')).toBe(false);
    expect(r.findings[0]).toMatchObject({ category: 'rbac_excessive', severity: 'critical' });
  });

  it('keeps to the namespace: bindings elsewhere that reach no subject here are not in its report', async () => {
    const r = await postureOf(POSTURE, 'staging');
    expect(r.scope).toBe('staging');
    expect(r.findings.every((f) => f.object.namespace === 'staging' || f.object.name === 'staging')).toBe(true);
    expect(r.findings.map((f) => f.object.name)).toEqual(
      expect.arrayContaining(['reporting-reads-secrets', 'staging', 'reports']),
    );
  });

  it('skips a report of an image the workload no longer runs', async () => {
    const moved = POSTURE.replaceAll(
      'image: ghcr.io/acme/payments-api:2.14.0',
      'image: ghcr.io/acme/payments-api:2.14.3',
    );
    const r = await postureOf(moved);
    expect(r.findings.some((f) => f.category === 'vulnerable_image')).toBe(false);
    expect(r.trivy.installed).toBe(true);
    expect(JSON.stringify(r)).not.toContain('ExposedSecretReport'); // of the image no longer run
  });
});
