import type { KubeObject } from '../lib/kube-object.ts';
import { argoOwner, kustomizationOwner, shaOf } from './owners.ts';
import type { ClusterSnapshot, Problem } from './snapshot.ts';

const short = (sha: string | undefined) => (sha ? sha.slice(0, 7) : '?');

/**
 * Argo CD Applications and Flux Kustomizations whose state is not Git's: a sync or build that
 * failed (gitops_sync_failed), workloads Degraded or failing health checks (gitops_degraded), and
 * drift or a pending change (gitops_out_of_sync). Scoped by where they deploy, not where they live.
 */
export function analyzeGitOps(s: ClusterSnapshot): Problem[] {
  return [
    ...(s.gitops?.applications ?? []).filter((a) => inScope(s, a.spec?.destination?.namespace)).flatMap(argoProblems),
    ...(s.gitops?.kustomizations ?? [])
      .filter((k) => inScope(s, k.spec?.targetNamespace ?? k.metadata.namespace, inventoryNamespaces(k)))
      .flatMap((k) => kustomizationProblems(s, k)),
  ];
}

function inScope(s: ClusterSnapshot, ns: string | undefined, more: string[] = []): boolean {
  return !s.namespace || ns === s.namespace || more.includes(s.namespace);
}

function inventoryNamespaces(k: KubeObject): string[] {
  return ((k.status?.inventory?.entries ?? []) as { id: string }[]).map((e) => e.id.split('_')[0]!).filter(Boolean);
}

function argoProblems(app: KubeObject): Problem[] {
  const st = app.status ?? {};
  const owner = argoOwner(app);
  const object = { kind: 'Application', namespace: app.metadata.namespace, name: app.metadata.name };
  const automated = Boolean(app.spec?.syncPolicy?.automated) && app.spec.syncPolicy.automated.enabled !== false;
  const history = (st.history ?? []) as { revision?: string; deployedAt?: string }[];
  const facts = {
    ...(owner.source ? { source: owner.source } : {}),
    ...(st.sync?.revision ? { revision: st.sync.revision } : {}),
    ...(history.length > 1 ? { previousRevision: history[history.length - 2]!.revision } : {}),
    automated,
    selfHeal: automated && Boolean(app.spec.syncPolicy.automated.selfHeal),
  };
  const deployed = history
    .slice(-2)
    .reverse()
    .map((h, i) => `${i ? 'Before it' : 'Last synced'}: revision ${short(h.revision)} at ${h.deployedAt ?? '?'}`);
  const resources = (st.resources ?? []) as any[];
  const where = (r: any) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  const out: Problem[] = [];
  const op = st.operationState;
  const conditions = (st.conditions ?? []) as { type: string; message: string }[];
  const errors = conditions.filter((c) => /Error$/.test(c.type));
  if ((op && ['Failed', 'Error'].includes(op.phase)) || errors.length) {
    const failing = ((op?.syncResult?.resources ?? []) as any[]).filter((r) => r.status === 'SyncFailed');
    const why = errors[0]?.message ?? op?.message ?? '';
    out.push({
      category: 'gitops_sync_failed',
      severity: 2,
      object,
      summary: `Argo CD Application ${app.metadata.name}: ${errors[0]?.type === 'ComparisonError' ? 'cannot render its source' : `sync to ${short(op?.syncResult?.revision)} failed`}: ${why}`,
      evidence: [
        ...errors.map((c) => `Condition ${c.type}: ${c.message}`),
        ...(op ? [`Operation ${op.phase}: ${op.message ?? ''}`] : []),
        ...failing.map((r) => `${where(r)}: SyncFailed: ${r.message ?? ''}`),
      ],
      facts: { ...facts, resources: failing.map((r) => `${where(r)}: SyncFailed`) },
    });
  }
  const unhealthy = resources.filter((r) => r.health && !['Healthy', 'Suspended'].includes(r.health.status));
  if (st.health?.status === 'Degraded' || st.health?.status === 'Missing') {
    out.push({
      category: 'gitops_degraded',
      severity: 2,
      object,
      summary: `Argo CD Application ${app.metadata.name} is ${st.health.status} at revision ${short(st.sync?.revision)}${unhealthy[0] ? `: ${where(unhealthy[0])} is ${unhealthy[0].health.status}${unhealthy[0].health.message ? ` (${unhealthy[0].health.message})` : ''}` : ''}`,
      evidence: [
        `Sync ${st.sync?.status ?? 'Unknown'} to ${short(st.sync?.revision)}`,
        ...unhealthy.map((r) => `${where(r)}: ${r.health.status}${r.health.message ? `: ${r.health.message}` : ''}`),
        ...deployed,
      ],
      facts: { ...facts, resources: unhealthy.map((r) => `${where(r)}: ${r.health.status}`) },
    });
  }
  const drifted = resources.filter((r) => r.status === 'OutOfSync');
  if (st.sync?.status === 'OutOfSync' && !out.some((p) => p.category === 'gitops_sync_failed')) {
    out.push({
      category: 'gitops_out_of_sync',
      severity: automated ? 1 : 2,
      object,
      summary: `Argo CD Application ${app.metadata.name} is OutOfSync with ${short(st.sync.revision)}: ${drifted.map(where).join(', ') || 'resources differ'}${automated ? ' (auto-sync on: live changes are reverted)' : ''}`,
      evidence: [
        ...drifted.map((r) => `${where(r)}: OutOfSync${r.requiresPruning ? ' (requires pruning)' : ''}`),
        ...deployed,
      ],
      facts: { ...facts, resources: drifted.map((r) => `${where(r)}: OutOfSync`) },
    });
  }
  return out;
}

const FAILED_BUILD = new Set([
  'ArtifactFailed',
  'BuildFailed',
  'ReconciliationFailed',
  'PruneFailed',
  'DependencyNotReady',
]);

function kustomizationProblems(s: ClusterSnapshot, ks: KubeObject): Problem[] {
  const ready = ((ks.status?.conditions ?? []) as any[]).find((c) => c.type === 'Ready');
  const owner = kustomizationOwner(s, ks);
  const object = { kind: 'Kustomization', namespace: ks.metadata.namespace, name: ks.metadata.name };
  const applied = ks.status?.lastAppliedRevision;
  const attempted = ks.status?.lastAttemptedRevision;
  const facts = {
    ...(owner.source ? { source: owner.source } : {}),
    ...(attempted ? { revision: shaOf(attempted) } : {}),
    ...(applied && applied !== attempted ? { previousRevision: shaOf(applied) } : {}),
    automated: !ks.spec?.suspend,
  };
  const evidence = [
    `Ready ${ready?.status} (${ready?.reason}): ${ready?.message ?? ''}`,
    ...(applied ? [`Last applied revision: ${applied}`] : []),
    ...(attempted && attempted !== applied ? [`Last attempted revision: ${attempted}`] : []),
  ];
  if (ks.spec?.suspend)
    return [
      {
        category: 'gitops_out_of_sync',
        severity: 1,
        object,
        summary: `Flux Kustomization ${ks.metadata.name} is suspended: Git changes are not applied and drift is not corrected`,
        evidence,
        facts,
      },
    ];
  if (ready?.status !== 'False') return [];
  if (ready.reason === 'HealthCheckFailed')
    return [
      {
        category: 'gitops_degraded',
        severity: 2,
        object,
        summary: `Flux Kustomization ${ks.metadata.name} applied ${short(shaOf(applied ?? ''))} but its health checks failed: ${ready.message}`,
        evidence,
        facts: {
          ...facts,
          resources: [...String(ready.message).matchAll(/(\w+\/[\w./-]+) status: '(\w+)'/g)].map(
            (m) => `${m[1]}: ${m[2]}`,
          ),
        },
      },
    ];
  // Any other Ready=False is a reconcile that did not apply Git (a build, a source, an apply, a prune).
  return [
    {
      category: 'gitops_sync_failed',
      severity: FAILED_BUILD.has(ready.reason) ? 2 : 1,
      object,
      summary: `Flux Kustomization ${ks.metadata.name} cannot apply ${attempted ? short(shaOf(attempted)) : 'its source'} (${ready.reason}): ${ready.message}`,
      evidence,
      facts,
    },
  ];
}
