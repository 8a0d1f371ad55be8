import type { ObjectRef } from './object-ref.ts';

/** What a finding is about; the stable categories of docs/cli.md, shared by analyzers, workers and reports. */
export type FindingCategory =
  | 'crash_loop'
  | 'oom_killed'
  | 'image_pull'
  | 'config_missing'
  | 'unschedulable_resources'
  | 'unschedulable_placement'
  | 'pvc_pending'
  | 'probe_failure'
  | 'service_no_endpoints'
  | 'node_not_ready'
  | 'job_failed'
  | 'rollout_stuck'
  | 'volume_filling'
  | 'cpu_throttling'
  | 'gitops_out_of_sync'
  | 'gitops_degraded'
  | 'gitops_sync_failed'
  | 'helm_release_failed'
  | 'vulnerable_image'
  | 'pod_security_violation'
  | 'network_exposure'
  | 'rbac_excessive'
  | 'backup_missing'
  | 'backup_failed'
  | 'restore_failed'
  | 'upgrade_blocked'
  | 'cluster_operator_degraded'
  | 'healthy'
  | 'unknown';

/** One conclusion about one object, with the cluster text that supports it. */
export interface Finding {
  category: FindingCategory;
  summary: string;
  object: ObjectRef;
  evidence: string[];
  /** Posture findings are ranked by it (docs/posture.md); incident findings leave it out. */
  severity?: SecuritySeverity;
}

export type SecuritySeverity = 'critical' | 'high' | 'medium' | 'low';
