import type { SecuritySeverity } from '../../domain/findings.ts';
import { SEVERITY_RANK, type SecurityFinding } from '../../domain/security-finding.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { SecuritySnapshot } from './security-snapshot.ts';

interface Grant {
  severity: SecuritySeverity;
  what: string;
}

const READ = ['get', 'list', 'watch'];

/**
 * RBAC review, binding by binding: cluster-admin (or everything-on-everything), wildcard verbs or
 * resources, reading secrets, `escalate`/`bind`/`impersonate`, `nodes/proxy` — each finding names
 * the binding that grants it, the role, and the subjects it reaches (for a ServiceAccount, the pods
 * that run as it). Kubernetes' own `system:` bindings are left alone. Then service accounts whose
 * token is mounted into pods though nothing grants them anything.
 */
export function rbacFindings(s: SecuritySnapshot): SecurityFinding[] {
  const bindings = bindingsInScope(s);
  const out = bindings.flatMap((b) => bindingFinding(s, b));
  return [...out, ...idleTokens(s)];
}

export function bindingsInScope(s: SecuritySnapshot): KubeObject[] {
  const inScope = (b: KubeObject) =>
    !s.namespace ||
    b.metadata.namespace === s.namespace ||
    ((b as any).subjects ?? []).some((x: any) => x.kind === 'ServiceAccount' && x.namespace === s.namespace);
  return [...s.clusterRoleBindings, ...s.roleBindings].filter(
    (b) =>
      inScope(b) &&
      !b.metadata.name.startsWith('system:') &&
      !((b as any).subjects ?? []).every((x: any) => x.kind === 'Group' && String(x.name).startsWith('system:')),
  );
}

function roleOf(s: SecuritySnapshot, b: KubeObject): KubeObject | undefined {
  const ref = (b as any).roleRef ?? {};
  return ref.kind === 'ClusterRole'
    ? s.clusterRoles.find((r) => r.metadata.name === ref.name)
    : s.roles.find((r) => r.metadata.name === ref.name && r.metadata.namespace === b.metadata.namespace);
}

function grantsOf(rules: any[], clusterWide: boolean): Grant[] {
  const out: Grant[] = [];
  const has = (l: string[] | undefined, v: string) => (l ?? []).includes('*') || (l ?? []).includes(v);
  const where = clusterWide ? 'in every namespace' : 'in its namespace';
  // nonResourceURLs rules (`/healthz`, `*`) reach no object: they are not what this review is about.
  for (const r of rules.filter((x) => x.resources?.length)) {
    const quoted = `rule apiGroups=${JSON.stringify(r.apiGroups ?? [])} resources=${JSON.stringify(r.resources ?? [])} verbs=${JSON.stringify(r.verbs ?? [])}`;
    const all = (l: string[] | undefined) => (l ?? []).includes('*');
    if (all(r.apiGroups) && all(r.resources) && all(r.verbs)) {
      out.push({
        severity: clusterWide ? 'critical' : 'high',
        what: `every verb on every resource ${where} (${quoted})`,
      });
      continue;
    }
    if (all(r.verbs) || all(r.resources))
      out.push({ severity: 'high', what: `wildcard ${all(r.verbs) ? 'verbs' : 'resources'} (${quoted})` });
    if (has(r.apiGroups, '') && has(r.resources, 'secrets') && READ.some((v) => has(r.verbs, v)))
      out.push({ severity: clusterWide ? 'high' : 'medium', what: `read access to Secrets ${where} (${quoted})` });
    const dangerous = ['escalate', 'bind', 'impersonate'].filter((v) => (r.verbs ?? []).includes(v));
    if (dangerous.length)
      out.push({
        severity: 'high',
        what: `the ${dangerous.join('/')} verb${dangerous.length > 1 ? 's' : ''} (${quoted})`,
      });
    if (has(r.resources, 'nodes/proxy'))
      out.push({ severity: 'high', what: `nodes/proxy, which runs commands through any kubelet (${quoted})` });
  }
  return out;
}

function bindingFinding(s: SecuritySnapshot, b: KubeObject): SecurityFinding[] {
  const role = roleOf(s, b);
  if (!role) return [];
  const clusterWide = b.kind === 'ClusterRoleBinding';
  const grants = grantsOf((role as any).rules ?? [], clusterWide);
  if (!grants.length) return [];
  const subjects: string[] = ((b as any).subjects ?? []).map(
    (x: any) => `${x.kind} ${x.kind === 'ServiceAccount' ? `${x.namespace ?? b.metadata.namespace}/` : ''}${x.name}`,
  );
  const defaultSa = ((b as any).subjects ?? []).find((x: any) => x.kind === 'ServiceAccount' && x.name === 'default');
  let severity = grants.reduce<SecuritySeverity>(
    (w, g) => (SEVERITY_RANK[g.severity] < SEVERITY_RANK[w] ? g.severity : w),
    'low',
  );
  if (defaultSa && severity === 'high') severity = 'critical';
  const grantedBy = `${b.kind} ${b.metadata.namespace ? `${b.metadata.namespace}/` : ''}${b.metadata.name}`;
  const roleLabel = `${(b as any).roleRef.kind} ${(b as any).roleRef.name}`;
  const pods = s.pods.filter((p) =>
    ((b as any).subjects ?? []).some(
      (x: any) =>
        x.kind === 'ServiceAccount' &&
        (x.namespace ?? b.metadata.namespace) === p.metadata.namespace &&
        (p.spec?.serviceAccountName ?? 'default') === x.name,
    ),
  );
  const trivy = (s.trivy?.rbacAssessment ?? []).filter(
    (r) =>
      (r.metadata.annotations?.['trivy-operator.resource.name'] ??
        r.metadata.labels?.['trivy-operator.resource.name']) === (b as any).roleRef.name,
  );
  return [
    {
      category: 'rbac_excessive',
      severity,
      summary: `${grantedBy} binds ${roleLabel} to ${subjects.join(', ') || 'no subject'}: ${[...new Set(grants.map((g) => g.what.split(' (')[0]))].join('; ')}${
        defaultSa
          ? ` — a default ServiceAccount, so every pod in ${defaultSa.namespace ?? b.metadata.namespace} without its own account has it`
          : ''
      }`,
      object: {
        kind: b.kind,
        ...(b.metadata.namespace ? { namespace: b.metadata.namespace } : {}),
        name: b.metadata.name,
      },
      evidence: [
        `${grantedBy} → ${roleLabel}`,
        ...grants.map((g) => `${roleLabel} grants ${g.what}`),
        ...(pods.length
          ? [
              `pods running as it: ${pods
                .slice(0, 5)
                .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
                .join(', ')}${pods.length > 5 ? ` … ${pods.length - 5} more` : ''}`,
            ]
          : []),
        ...trivy.flatMap((r) =>
          (((r as any).report?.checks ?? []) as any[])
            .filter((c) => c.success === false)
            .map((c) => `RbacAssessmentReport ${r.metadata.name}: ${c.checkID} ${c.title} (${c.severity})`),
        ),
      ],
      grantedBy,
      subjects,
    },
  ];
}

/** Pods that mount a ServiceAccount token no binding gives any permission: the token only adds risk. */
function idleTokens(s: SecuritySnapshot): SecurityFinding[] {
  const bound = (ns: string, sa: string) =>
    [...s.clusterRoleBindings, ...s.roleBindings].some((b) =>
      ((b as any).subjects ?? []).some(
        (x: any) =>
          (x.kind === 'ServiceAccount' && x.name === sa && (x.namespace ?? b.metadata.namespace) === ns) ||
          (x.kind === 'Group' && [`system:serviceaccounts:${ns}`, 'system:serviceaccounts'].includes(x.name)),
      ),
    );
  const byNs = new Map<string, Map<string, string[]>>();
  for (const p of s.pods) {
    const ns = p.metadata.namespace!;
    const sa = p.spec?.serviceAccountName ?? 'default';
    const account = s.serviceAccounts.find((a) => a.metadata.namespace === ns && a.metadata.name === sa);
    const mounts = p.spec?.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
    if (!mounts || bound(ns, sa) || /^(kube-|openshift)/.test(ns)) continue;
    const m = byNs.get(ns) ?? new Map<string, string[]>();
    m.set(sa, [...(m.get(sa) ?? []), p.metadata.name]);
    byNs.set(ns, m);
  }
  return [...byNs].flatMap(([ns, accounts]) =>
    [...accounts].map(([sa, pods]) => ({
      category: 'rbac_excessive' as const,
      severity: 'low' as const,
      summary: `ServiceAccount ${ns}/${sa} has no RBAC permission, yet ${pods.length === 1 ? '1 pod mounts' : `${pods.length} pods mount`} its token: set automountServiceAccountToken: false`,
      object: { kind: 'ServiceAccount', namespace: ns, name: sa },
      evidence: [
        `its token is mounted into pod ${pods.slice(0, 5).join(', ')}${pods.length > 5 ? ` … ${pods.length - 5} more` : ''}`,
        'no RoleBinding or ClusterRoleBinding names this account or its groups',
      ],
      fix: {
        tool: 'patch',
        input: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          namespace: ns,
          name: sa,
          patchType: 'merge',
          patch: { automountServiceAccountToken: false },
        },
        why: `no binding grants ${ns}/${sa} anything: its token in ${pods.length} pods only helps an intruder; pods stop mounting it when next created`,
      },
    })),
  );
}
