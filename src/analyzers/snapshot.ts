import type { FindingCategory } from '../domain/findings.ts';
import type { GitOpsOwner } from '../domain/gitops-owner.ts';
import type { HelmReleaseView } from '../domain/helm-release-view.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { FactsOf } from './problem-facts.ts';

/** What the analyzers look at: one consistent read of a scope (a namespace, or the cluster). */
export interface ClusterSnapshot {
  namespace?: string;
  nodes: KubeObject[];
  pods: KubeObject[];
  deployments: KubeObject[];
  replicaSets: KubeObject[];
  statefulSets: KubeObject[];
  daemonSets: KubeObject[];
  jobs: KubeObject[];
  services: KubeObject[];
  endpoints: KubeObject[];
  pvcs: KubeObject[];
  storageClasses: KubeObject[];
  events: KubeObject[];
  ingresses?: KubeObject[];
  hpas?: KubeObject[];
  pdbs?: KubeObject[];
  /** metrics.k8s.io pod usage; absent when the cluster has no metrics API. */
  podMetrics?: KubeObject[];
  /** Persistent volume usage from the kubelets' stats summaries, or Prometheus's kubelet volume metrics. */
  volumes?: VolumeUsage[];
  /** Why volume usage could not be read (no `nodes/proxy` access and no Prometheus): never "healthy". */
  volumesUnavailable?: string;
  /** Argo CD and Flux objects, from every namespace (they live in argocd/flux-system), where the cluster serves them. */
  gitops?: GitOpsObjects;
  /** Helm releases stored in scope (their Secrets), decoded and redacted. */
  helmReleases?: HelmReleaseView[];
}

export interface GitOpsObjects {
  applications: KubeObject[];
  kustomizations: KubeObject[];
  helmReleases: KubeObject[];
  gitRepositories: KubeObject[];
}

export interface VolumeUsage {
  namespace: string;
  claim: string;
  pod: string;
  capacityBytes: number;
  usedBytes: number;
}

export interface ProblemObject {
  kind: string;
  namespace?: string;
  name: string;
}

interface ProblemBase<C extends FindingCategory> {
  category: C;
  /** 3 = not serving, 2 = degraded or blocked, 1 = a symptom explained elsewhere. */
  severity: number;
  object: ProblemObject;
  summary: string;
  evidence: string[];
  /** Structured facts a remediation needs, typed by category (problem-facts.ts). */
  facts: FactsOf<C>;
  /** Who applies the object from Git or a chart (owners.ts): its fix belongs there. */
  owner?: GitOpsOwner;
}

/**
 * A deterministic finding: a category of docs/cli.md, the object, evidence quoted from the cluster,
 * and the facts its category carries. A union keyed by category, so a switch on it types the facts.
 */
export type Problem = { [C in FindingCategory]: ProblemBase<C> }[FindingCategory];

export function refKey(o: ProblemObject): string {
  return `${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

/** Warning events about one object, newest first, as "Reason (xN): message". */
export function warningsFor(s: ClusterSnapshot, kind: string, name: string, namespace?: string, limit = 3): string[] {
  return s.events
    .filter(
      (e: any) =>
        e.type === 'Warning' &&
        e.involvedObject?.kind === kind &&
        e.involvedObject?.name === name &&
        (!namespace || e.involvedObject?.namespace === namespace),
    )
    .sort((a: any, b: any) => String(b.lastTimestamp ?? '').localeCompare(String(a.lastTimestamp ?? '')))
    .slice(0, limit)
    .map((e: any) => `Event ${e.reason} (x${e.count ?? 1}): ${e.message}`);
}
