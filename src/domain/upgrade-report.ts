import type { KubeObject } from '../lib/kube-object.ts';
import type { Finding, SecuritySeverity } from './findings.ts';
import type { SecurityFix } from './security-finding.ts';

/** An upgrade finding (`upgrade_blocked`, `cluster_operator_degraded`), ranked like posture findings. */
export interface UpgradeFinding extends Finding {
  severity: SecuritySeverity;
  fix?: SecurityFix;
}

/** What the upgrade analyzers read (cluster/upgrade-reader.ts). Optional parts: that API is not served. */
export interface UpgradeSnapshot {
  /** `v1.31.4`, or a distribution's `v1.31.4-eks-…`. */
  serverVersion: string;
  nodes: KubeObject[];
  pdbs: KubeObject[];
  workloads: KubeObject[];
  /** Objects of kinds an upgrade may stop serving, as stored (their managedFields and last-applied say how clients write them). */
  apiUsers: KubeObject[];
  /** Deployed Helm releases' manifests (`namespace/release` → YAML): what Helm will try to upgrade next. */
  helmManifests: { release: string; manifest: string }[];
  openshift?: { clusterVersion?: KubeObject; operators: KubeObject[]; pools: KubeObject[] };
  clusterApi?: {
    clusters: KubeObject[];
    controlPlanes: KubeObject[];
    machineDeployments: KubeObject[];
    machinePools: KubeObject[];
  };
  unavailable: string[];
}

export interface RemovedApiUse {
  object: string;
  apiVersion: string;
  removedIn: string;
  replacement: string;
  /** Where the old version was seen: `managedFields (kubectl-client-side-apply)`, `last-applied`, `Helm release shop/web`. */
  seenIn: string;
}

export interface OpenShiftView {
  version?: string;
  channel?: string;
  desired?: string;
  /** `Partial 4.17.14 since …`, newest first. */
  history: { state: string; version: string; startedTime?: string; completionTime?: string | null }[];
  availableUpdates: { version: string; image: string; url?: string }[];
  conditionalUpdates: { version: string; image: string; recommended: string; risks: string[] }[];
  /** Upgradeable, Failing, Progressing, ReleaseAccepted: status and message. */
  conditions: Record<string, { status: string; reason?: string; message?: string }>;
  operators: {
    name: string;
    version?: string;
    available: string;
    progressing: string;
    degraded: string;
    upgradeable: string;
    message?: string;
  }[];
  pools: {
    name: string;
    paused: boolean;
    machineCount: number;
    updated: number;
    degraded: number;
    updating: boolean;
  }[];
}

export interface ClusterApiView {
  namespace: string;
  name: string;
  /** Cluster.spec.topology.version when the cluster uses a ClusterClass. */
  topologyVersion?: string;
  controlPlane?: {
    kind: string;
    name: string;
    version?: string;
    statusVersion?: string;
    ready?: boolean;
    message?: string;
  };
  pools: {
    kind: string;
    name: string;
    version?: string;
    replicas?: number;
    updated?: number;
    ready?: number;
    phase?: string;
  }[];
}

/** What `upgrade_status` (and `claw upgrade --json` under `upgrade`) returns (docs/upgrades.md). */
export interface UpgradeReport {
  platform: 'openshift' | 'kubernetes';
  /** The Kubernetes minor the API server runs, `1.31`; OpenShift's version when OpenShift. */
  current: string;
  kubernetes: string;
  target?: string;
  openshift?: OpenShiftView;
  clusterApi: ClusterApiView[];
  preflight: {
    removedApis: RemovedApiUse[];
    skew: string[];
    /** PodDisruptionBudgets that allow no disruption now: a drain stops at their pods. */
    blockingPdbs: { namespace: string; name: string; pods: number; why: string }[];
    singleReplica: string[];
  };
  /** The steps, in order, an upgrade to `target` takes here. */
  plan: string[];
  findings: UpgradeFinding[];
  unavailable: string[];
}
