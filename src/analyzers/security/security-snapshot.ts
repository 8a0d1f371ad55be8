import type { KubeObject } from '../../lib/kube-object.ts';
import type { ClusterSnapshot, GitOpsObjects } from '../snapshot.ts';

/** The Trivy Operator's reports (aquasecurity.github.io/v1alpha1), where the cluster serves them. */
export interface TrivyReports {
  vulnerability: KubeObject[];
  configAudit: KubeObject[];
  exposedSecret: KubeObject[];
  rbacAssessment: KubeObject[];
  compliance: KubeObject[];
}

/** What the posture analyzers look at: one read of a scope (a namespace, or the cluster). */
export interface SecuritySnapshot {
  namespace?: string;
  namespaces: KubeObject[];
  pods: KubeObject[];
  deployments: KubeObject[];
  replicaSets: KubeObject[];
  statefulSets: KubeObject[];
  daemonSets: KubeObject[];
  jobs: KubeObject[];
  cronJobs: KubeObject[];
  services: KubeObject[];
  networkPolicies: KubeObject[];
  serviceAccounts: KubeObject[];
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
  /** Undefined when the Trivy Operator's CRDs are not served: "not installed", never "no findings". */
  trivy?: TrivyReports;
  /** Argo CD and Flux objects, where served: a finding on what they apply is fixed in Git. */
  gitops?: GitOpsObjects;
  unavailable: string[];
}

/** The incident snapshot's shape over the same reads, for what both kinds of analysis share (owners). */
export function asClusterSnapshot(s: SecuritySnapshot): ClusterSnapshot {
  return {
    ...(s.namespace ? { namespace: s.namespace } : {}),
    nodes: [],
    pods: s.pods,
    deployments: s.deployments,
    replicaSets: s.replicaSets,
    statefulSets: s.statefulSets,
    daemonSets: s.daemonSets,
    jobs: s.jobs,
    services: s.services,
    endpoints: [],
    pvcs: [],
    storageClasses: [],
    events: [],
    ...(s.gitops ? { gitops: s.gitops } : {}),
  };
}

/** Top-level workloads: what owns pod templates and what a fix changes (Deployment, not ReplicaSet). */
export function workloadsOf(s: SecuritySnapshot): KubeObject[] {
  const unowned = (o: KubeObject) => !(o.metadata.ownerReferences ?? []).some((r: any) => r.controller);
  return [
    ...s.deployments,
    ...s.statefulSets,
    ...s.daemonSets,
    ...s.cronJobs,
    ...s.jobs.filter(unowned),
    ...s.pods.filter(unowned),
  ];
}

/** System namespaces that legitimately run privileged pods; posture advice skips them. */
export function isSystemNamespace(name: string): boolean {
  return /^(kube-|openshift)/.test(name) || name === 'openshift';
}
