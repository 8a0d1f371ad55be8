import type { SecurityFinding } from '../../domain/security-finding.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { namespaceLevel, podSecurityChecks, podSpecOf } from '../../lib/pod-security.ts';
import { hardeningFix } from './hardening.ts';
import { isSystemNamespace, type SecuritySnapshot, workloadsOf } from './security-snapshot.ts';

interface Verdict {
  workload: KubeObject;
  baseline: string[];
  restricted: { check: string; message: string }[];
}

/**
 * Pod Security Standards per namespace, judged as Pod Security Admission judges the pods each
 * workload's template makes: running pods that break the enforced level (a restart would be
 * refused), and whether the namespace can be raised — to restricted only when nothing would
 * break, else which workloads stand in the way, check by check, and the fix that would let them.
 */
export function podSecurityFindings(s: SecuritySnapshot): SecurityFinding[] {
  const out: SecurityFinding[] = [];
  for (const ns of s.namespaces) {
    const name = ns.metadata.name;
    if (isSystemNamespace(name)) continue;
    const labels = ns.metadata.labels;
    const enforce = namespaceLevel(labels, 'enforce');
    const object = { kind: 'Namespace', name };
    const levels = `enforce=${enforce}, audit=${namespaceLevel(labels, 'audit')}, warn=${namespaceLevel(labels, 'warn')}`;
    const broken = s.pods
      .filter((p) => p.metadata.namespace === name)
      .map((p) => ({ pod: p, failed: podSecurityChecks(p.spec ?? {}, enforce) }))
      .filter((x) => x.failed.length);
    if (broken.length)
      out.push({
        category: 'pod_security_violation',
        severity: 'high',
        summary: `${broken.length} running pod${broken.length === 1 ? '' : 's'} in ${name} violate the enforced "${enforce}" level: Pod Security Admission would refuse them if they were recreated`,
        object,
        evidence: [
          `Namespace ${name}: ${levels}`,
          ...broken.slice(0, 5).map((x) => `Pod ${x.pod.metadata.name}: ${x.failed.map((v) => v.message).join(', ')}`),
        ],
      });
    if (enforce === 'restricted') continue;
    const verdicts: Verdict[] = workloadsOf(s)
      .filter((w) => w.metadata.namespace === name)
      .map((w) => {
        const spec = podSpecOf(w) ?? {};
        return {
          workload: w,
          baseline: podSecurityChecks(spec, 'baseline').map((v) => v.message),
          restricted: podSecurityChecks(spec, 'restricted'),
        };
      });
    if (!verdicts.length) continue;
    out.push(raiseFinding(name, enforce, levels, verdicts));
  }
  return out;
}

function raiseFinding(name: string, enforce: string, levels: string, verdicts: Verdict[]): SecurityFinding {
  const object = { kind: 'Namespace', name };
  const label = (w: KubeObject) => `${w.kind} ${w.metadata.name}`;
  const blocking = verdicts.filter((v) => v.restricted.length);
  if (!blocking.length)
    return {
      category: 'pod_security_violation',
      severity: 'low',
      summary: `Namespace ${name} enforces only "${enforce}", yet ${verdicts.length === 1 ? 'its one workload passes' : `all ${verdicts.length} of its workloads pass`} "restricted": it can be raised with nothing breaking`,
      object,
      evidence: [`Namespace ${name}: ${levels}`, `checked: ${verdicts.map((v) => label(v.workload)).join(', ')}`],
      fix: {
        tool: 'set_pod_security',
        input: { namespace: name, level: 'restricted' },
        why: `every workload in ${name} already passes the restricted Pod Security Standard`,
      },
    };
  const privilegedOnes = verdicts.filter((v) => v.baseline.length);
  const fixes = blocking.map((v) => ({ v, fix: hardeningFix(v.workload) }));
  const evidence = [
    `Namespace ${name}: ${levels}`,
    ...blocking
      .slice(0, 6)
      .map((v) => `${label(v.workload)} would violate "restricted": ${v.restricted.map((c) => c.message).join(', ')}`),
    ...(blocking.length > 6 ? [`… ${blocking.length - 6} more workloads`] : []),
    ...fixes.map(({ v, fix }) =>
      fix
        ? `${label(v.workload)} can pass with a securityContext patch (allowPrivilegeEscalation=false, drop ALL capabilities, runAsNonRoot, seccomp RuntimeDefault)`
        : `${label(v.workload)} needs a design change to pass (${v.restricted.map((c) => c.check).join(', ')}): host access, privileged mode or volume types restricted forbids`,
    ),
  ];
  // Baseline is safe to enforce when every workload passes it; else the first workload fix.
  const baselineSafe = enforce === 'privileged' && !privilegedOnes.length;
  const firstFix = fixes.find((f) => f.fix)?.fix;
  const fix = baselineSafe
    ? {
        tool: 'set_pod_security',
        input: { namespace: name, level: 'baseline' },
        why: `every workload in ${name} passes the baseline Pod Security Standard; restricted must wait for ${blocking.map((v) => label(v.workload)).join(', ')}`,
      }
    : firstFix;
  return {
    category: 'pod_security_violation',
    severity: privilegedOnes.length && enforce === 'privileged' ? 'high' : 'medium',
    summary: `Namespace ${name} cannot be raised to "restricted": ${blocking.length} of ${verdicts.length} workloads would violate it (${blocking
      .slice(0, 3)
      .map((v) => `${label(v.workload)}: ${v.restricted.map((c) => c.check).join(', ')}`)
      .join('; ')})${privilegedOnes.length ? `; ${privilegedOnes.length} break even "baseline"` : ''}`,
    object,
    evidence,
    ...(fix ? { fix } : {}),
  };
}
