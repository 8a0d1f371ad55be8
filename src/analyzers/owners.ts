import type { GitOpsOwner } from '../domain/gitops-owner.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { ClusterSnapshot, ProblemObject } from './snapshot.ts';

const ARGO_TRACKING = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'app.kubernetes.io/instance';

/**
 * The GitOps owner of a problem's object: its owner chain is walked up (Pod → ReplicaSet →
 * Deployment…) and the first object carrying an owner's mark names it. Marks without a matching
 * owner object in the cluster still name it (the owner may live where we may not read).
 */
export function gitOpsOwnerOf(s: ClusterSnapshot, ref: ProblemObject): GitOpsOwner | undefined {
  for (const obj of ownerChain(s, ref)) {
    const owner = markedOwner(s, obj);
    if (owner) return owner;
  }
  return undefined;
}

function ownerChain(s: ClusterSnapshot, ref: ProblemObject): KubeObject[] {
  const lists: Record<string, KubeObject[]> = {
    Pod: s.pods,
    ReplicaSet: s.replicaSets,
    Deployment: s.deployments,
    StatefulSet: s.statefulSets,
    DaemonSet: s.daemonSets,
    Job: s.jobs,
    Service: s.services,
    PersistentVolumeClaim: s.pvcs,
  };
  const find = (kind: string, name: string, ns?: string) =>
    lists[kind]?.find((o) => o.metadata.name === name && (!ns || o.metadata.namespace === ns));
  const chain: KubeObject[] = [];
  let at = find(ref.kind, ref.name, ref.namespace);
  while (at && chain.length < 5) {
    chain.push(at);
    const up = (at.metadata.ownerReferences ?? []).find((o: any) => o.controller) ?? at.metadata.ownerReferences?.[0];
    at = up ? find(up.kind, up.name, at.metadata.namespace) : undefined;
  }
  return chain.reverse(); // the top owner's marks are the ones the GitOps tool wrote
}

function markedOwner(s: ClusterSnapshot, obj: KubeObject): GitOpsOwner | undefined {
  const labels = obj.metadata.labels ?? {};
  const annotations = obj.metadata.annotations ?? {};
  const g = s.gitops;
  const tracking = annotations[ARGO_TRACKING];
  const argoName = tracking ? tracking.split(':')[0]!.split('_').pop()! : undefined;
  const app =
    (argoName && g?.applications.find((a) => a.metadata.name === argoName)) ||
    (labels[ARGO_INSTANCE] && g?.applications.find((a) => a.metadata.name === labels[ARGO_INSTANCE])) ||
    undefined;
  if (app) return argoOwner(app);
  if (argoName) return { kind: 'Application', name: argoName, namespace: '' };
  const ksName = labels['kustomize.toolkit.fluxcd.io/name'];
  if (ksName) {
    const ns = labels['kustomize.toolkit.fluxcd.io/namespace'] ?? '';
    const ks = g?.kustomizations.find((k) => k.metadata.name === ksName && k.metadata.namespace === ns);
    return ks ? kustomizationOwner(s, ks) : { kind: 'Kustomization', name: ksName, namespace: ns };
  }
  const hrName = labels['helm.toolkit.fluxcd.io/name'];
  if (hrName) {
    const ns = labels['helm.toolkit.fluxcd.io/namespace'] ?? '';
    const hr = g?.helmReleases.find((h) => h.metadata.name === hrName && h.metadata.namespace === ns);
    return hr ? helmReleaseOwner(s, hr) : { kind: 'HelmRelease', name: hrName, namespace: ns };
  }
  const release = annotations['meta.helm.sh/release-name'];
  if (release) {
    const ns = annotations['meta.helm.sh/release-namespace'] ?? obj.metadata.namespace ?? '';
    const view = s.helmReleases?.find((r) => r.name === release && r.namespace === ns);
    const latest = view?.revisions[0];
    return {
      kind: 'HelmChart',
      name: release,
      namespace: ns,
      ...(latest ? { source: { chart: latest.chart, revision: String(latest.revision) } } : {}),
    };
  }
  return undefined;
}

export function argoOwner(app: KubeObject): GitOpsOwner {
  const src = app.spec?.source ?? app.spec?.sources?.[0] ?? {};
  return {
    kind: 'Application',
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? '',
    source: {
      url: src.repoURL,
      ...(src.path ? { path: src.path } : {}),
      ...(src.chart ? { chart: src.chart } : {}),
      targetRevision: src.targetRevision ?? 'HEAD',
      ...(app.status?.sync?.revision ? { revision: app.status.sync.revision } : {}),
    },
  };
}

export function kustomizationOwner(s: ClusterSnapshot, ks: KubeObject): GitOpsOwner {
  const repo = sourceOf(s, ks, ks.spec?.sourceRef);
  return {
    kind: 'Kustomization',
    name: ks.metadata.name,
    namespace: ks.metadata.namespace ?? '',
    source: {
      ...(repo?.spec?.url ? { url: repo.spec.url } : {}),
      path: String(ks.spec?.path ?? './').replace(/^\.\//, '') || '.',
      ...(repo ? { targetRevision: refOf(repo) } : {}),
      ...(ks.status?.lastAppliedRevision ? { revision: shaOf(ks.status.lastAppliedRevision) } : {}),
    },
  };
}

export function helmReleaseOwner(s: ClusterSnapshot, hr: KubeObject): GitOpsOwner {
  const chart = hr.spec?.chart?.spec ?? {};
  const repo = sourceOf(s, hr, chart.sourceRef);
  return {
    kind: 'HelmRelease',
    name: hr.metadata.name,
    namespace: hr.metadata.namespace ?? '',
    source: {
      ...(repo?.spec?.url ? { url: repo.spec.url } : {}),
      ...(chart.chart ? { path: String(chart.chart).replace(/^\.\//, ''), chart: chart.chart } : {}),
      ...(repo ? { targetRevision: refOf(repo) } : {}),
      ...(hr.status?.lastAttemptedRevision ? { revision: hr.status.lastAttemptedRevision } : {}),
    },
  };
}

function sourceOf(s: ClusterSnapshot, owner: KubeObject, ref: any): KubeObject | undefined {
  if (ref?.kind && ref.kind !== 'GitRepository') return undefined;
  const ns = ref?.namespace ?? owner.metadata.namespace;
  return s.gitops?.gitRepositories.find((r) => r.metadata.name === ref?.name && r.metadata.namespace === ns);
}

function refOf(repo: KubeObject): string {
  const r = repo.spec?.ref ?? {};
  return r.commit ?? r.tag ?? r.semver ?? r.name ?? r.branch ?? 'master';
}

/** `main@sha1:abc…` → `abc…`. */
export function shaOf(revision: string): string {
  return String(revision).split(':').pop() ?? revision;
}
