import type { FindingCategory } from '../domain/findings.ts';
import type { GitOpsSource } from '../domain/gitops-owner.ts';

// Structured facts a remediation needs, by the problem's category: never free text for a model
// to obey. A category some analyzers find on a workload and others on the object itself (a
// NotReady node, a Pending claim) has either shape.

export type ResourceList = Record<string, string>;

/** Whether the failure arrived with the current revision while an older one was healthy. */
export interface RevisionFacts {
  currentRevision: number;
  previousRevision?: number;
  previousAvailable: number;
  rolloutDone: boolean;
  failureIsNewRevision: boolean;
  /** Every failing pod belongs to the current revision (the previous one is not seen failing). */
  onlyNewFails?: boolean;
  /** The Deployment's strategy: Recreate scales the previous revision to zero before the new one starts. */
  strategy?: string;
}

/** For scheduling failures, how many nodes were merely cordoned (what an uncordon would fix). */
export interface SchedulingFacts {
  nodesTotal?: number;
  nodesCordoned?: number;
  cordonedReadyNodes?: string[];
}

/** A workload's unhealthy pods: the worst one, its container, and the Deployment's revisions. */
export interface WorkloadFacts extends SchedulingFacts, Partial<RevisionFacts> {
  pod?: string;
  container?: string;
  image?: string;
  limits?: ResourceList;
  requests?: ResourceList;
  pods?: string[];
}

export interface NodeFacts {
  node: string;
  /** Pods still placed on the NotReady node. */
  stranded: number;
  cordoned: boolean;
}

export interface NodePressureFacts {
  node: string;
  pressure: string[];
}

export interface ClaimFacts {
  storageClass?: string;
  users: string[];
}

export interface ServiceFacts {
  /** An Ingress's backends that name no Service. */
  missingServices?: string[];
  /** A Service whose selector matches no pod, and the labels of the closest pods. */
  selector?: Record<string, string>;
  suggested?: Record<string, string>;
  /** The workload whose pods the selector would match, scaled to zero replicas. */
  scaledToZero?: { kind: string; name: string };
}

export interface JobFacts {
  pod?: string;
  container?: string;
}

export interface ThrottlingFacts {
  pod: string;
  container: string;
  limits: ResourceList;
  requests: ResourceList;
  usedMillis: number;
}

export interface VolumeFacts {
  capacity: string;
  capacityBytes: number;
  usedBytes: number;
  expandable: boolean;
}

/** An Argo CD Application or a Flux Kustomization/HelmRelease that is not where Git says. */
export interface GitOpsFacts {
  /** Where the owner (the problem's object) renders from. */
  source?: GitOpsSource;
  /** The commit (or chart version) last synced or attempted. */
  revision?: string;
  /** The one deployed before it (Argo CD history), the last known state before the change. */
  previousRevision?: string;
  /** Auto-sync on (a live fix is reverted or diverges from Git). */
  automated?: boolean;
  selfHeal?: boolean;
  /** `Deployment shop/web: Degraded (…)`, `Service shop/web: OutOfSync`. */
  resources?: string[];
}

/** A Helm release whose newest revision failed (or is stuck pending), and what it can go back to. */
export interface HelmFacts {
  release: string;
  namespace: string;
  revision: number;
  status: string;
  /** The newest revision still deployed: what `helm rollback` would restore. */
  deployedRevision?: number;
  chart: string;
  /** A Flux HelmRelease's chart source: roll back through Git (or the HelmRelease), not by hand. */
  source?: GitOpsSource;
  /** `namespace/name` of the Flux HelmRelease that manages the release: it would undo a rollback by hand. */
  fluxHelmRelease?: string;
}

type NoFacts = Record<string, never>;

export interface FactsByCategory {
  crash_loop: WorkloadFacts;
  oom_killed: WorkloadFacts;
  image_pull: WorkloadFacts;
  config_missing: WorkloadFacts;
  probe_failure: WorkloadFacts;
  unschedulable_resources: WorkloadFacts;
  unschedulable_placement: WorkloadFacts;
  rollout_stuck: WorkloadFacts;
  pvc_pending: WorkloadFacts | ClaimFacts;
  node_not_ready: WorkloadFacts | NodeFacts;
  service_no_endpoints: ServiceFacts;
  job_failed: JobFacts;
  volume_filling: VolumeFacts;
  cpu_throttling: ThrottlingFacts;
  gitops_out_of_sync: GitOpsFacts;
  gitops_degraded: GitOpsFacts;
  gitops_sync_failed: GitOpsFacts;
  helm_release_failed: HelmFacts;
  // Posture findings come from analyzers/security/, not from triage.
  vulnerable_image: NoFacts;
  pod_security_violation: NoFacts;
  // Backup findings come from analyzers/backup/.
  backup_missing: NoFacts;
  backup_failed: NoFacts;
  restore_failed: NoFacts;
  // Upgrade findings come from analyzers/upgrade/.
  upgrade_blocked: NoFacts;
  cluster_operator_degraded: NoFacts;
  network_exposure: NoFacts;
  rbac_excessive: NoFacts;
  healthy: NoFacts;
  unknown: WorkloadFacts | NodePressureFacts | NoFacts;
}

export type FactsOf<C extends FindingCategory> = FactsByCategory[C];
