import type { SecuritySeverity } from '../../domain/findings.ts';
import { SEVERITY_RANK, type SecurityFinding, type SecurityReport } from '../../domain/security-finding.ts';
import { networkFindings } from './network.ts';
import { podSecurityFindings } from './pod-security.ts';
import { bindingsInScope, rbacFindings } from './rbac.ts';
import { type SecuritySnapshot, workloadsOf } from './security-snapshot.ts';
import { trivyFindings } from './trivy.ts';

/** Within a severity: what an attacker reaches first (a vulnerable image, then RBAC, the network, pod hardening). */
const CATEGORY_RANK: Record<string, number> = {
  vulnerable_image: 0,
  rbac_excessive: 1,
  network_exposure: 2,
  pod_security_violation: 3,
};

/** The ranked posture report of a scope: every analyzer's findings, worst first (docs/posture.md). */
export function securityPosture(s: SecuritySnapshot): SecurityReport {
  const findings: SecurityFinding[] = [
    ...trivyFindings(s),
    ...podSecurityFindings(s),
    ...networkFindings(s),
    ...rbacFindings(s),
  ].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (CATEGORY_RANK[a.category] ?? 9) - (CATEGORY_RANK[b.category] ?? 9) ||
      `${a.object.namespace}/${a.object.name}`.localeCompare(`${b.object.namespace}/${b.object.name}`),
  );
  const counts: Record<SecuritySeverity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  const trivy = s.trivy;
  const reports = trivy
    ? trivy.vulnerability.length + trivy.configAudit.length + trivy.exposedSecret.length + trivy.rbacAssessment.length
    : 0;
  return {
    scope: s.namespace ?? 'all namespaces',
    checked: {
      namespaces: s.namespaces.length,
      workloads: workloadsOf(s).length,
      pods: s.pods.length,
      bindings: bindingsInScope(s).length,
      networkPolicies: s.networkPolicies.length,
    },
    trivy: trivy
      ? {
          installed: true,
          reports,
          ...(reports ? {} : { note: 'the Trivy Operator is installed but has no reports in scope yet' }),
        }
      : {
          installed: false,
          reports: 0,
          note: 'the Trivy Operator is not installed (aquasecurity.github.io CRDs not served): image vulnerabilities were not checked',
        },
    compliance: (trivy?.compliance ?? []).map((c) => ({
      id: c.spec?.compliance?.id ?? c.metadata.name,
      title: c.spec?.compliance?.title ?? c.metadata.name,
      failing: ((c.status?.summaryReport?.controlCheck ?? []) as any[])
        .filter((x) => Number(x.totalFail ?? 0) > 0)
        .map((x) => ({ name: String(x.name), severity: String(x.severity), totalFail: Number(x.totalFail) })),
    })),
    counts,
    findings,
    unavailable: s.unavailable,
  };
}
