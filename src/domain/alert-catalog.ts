import { isDnsLabel, isDnsSubdomain } from '../lib/kube-names.ts';
import type { FindingCategory } from './findings.ts';
import type { TaskAlert } from './task-alert.ts';

const WORKLOAD_FAILURES: FindingCategory[] = [
  'crash_loop',
  'oom_killed',
  'config_missing',
  'image_pull',
  'probe_failure',
  'pvc_pending',
  'unschedulable_resources',
  'unschedulable_placement',
  'node_not_ready',
];
const ROLLOUT: FindingCategory[] = ['rollout_stuck', ...WORKLOAD_FAILURES];

/**
 * kube-prometheus / kubernetes-mixin alert names → the finding categories that explain them. The
 * investigation ranks problems of these categories (and on the objects the labels name) first;
 * an unknown alert name still gets the full analysis, ranked by its labels alone.
 */
export const ALERT_CATEGORIES: Readonly<Record<string, readonly FindingCategory[]>> = {
  KubePodCrashLooping: ['crash_loop', 'oom_killed', 'config_missing', 'probe_failure'],
  KubePodNotReady: [
    'probe_failure',
    'crash_loop',
    'oom_killed',
    'image_pull',
    'config_missing',
    'pvc_pending',
    'unschedulable_resources',
    'unschedulable_placement',
    'node_not_ready',
  ],
  KubeContainerWaiting: ['image_pull', 'config_missing', 'pvc_pending'],
  KubeDeploymentReplicasMismatch: ROLLOUT,
  KubeDeploymentRolloutStuck: ROLLOUT,
  KubeDeploymentGenerationMismatch: ROLLOUT,
  KubeStatefulSetReplicasMismatch: ROLLOUT,
  KubeStatefulSetUpdateNotRolledOut: ROLLOUT,
  KubeDaemonSetRolloutStuck: ROLLOUT,
  KubeDaemonSetNotScheduled: ['unschedulable_resources', 'unschedulable_placement', 'node_not_ready'],
  KubeHpaReplicasMismatch: ['unschedulable_resources', 'unschedulable_placement', 'rollout_stuck'],
  KubeNodeNotReady: ['node_not_ready'],
  KubeNodeUnreachable: ['node_not_ready'],
  KubeNodeReadinessFlapping: ['node_not_ready'],
  KubeletDown: ['node_not_ready'],
  KubePersistentVolumeFillingUp: ['volume_filling'],
  KubePersistentVolumeInodesFillingUp: ['volume_filling'],
  KubePersistentVolumeErrors: ['pvc_pending'],
  KubeJobFailed: ['job_failed'],
  KubeJobNotCompleted: ['job_failed'],
  CPUThrottlingHigh: ['cpu_throttling'],
  TargetDown: ['service_no_endpoints', ...WORKLOAD_FAILURES],
  KubeQuotaExceeded: ['unschedulable_resources'],
  // OpenShift's cluster-version and machine-config operators, and the mixin's version check.
  ClusterOperatorDown: ['cluster_operator_degraded'],
  ClusterOperatorDegraded: ['cluster_operator_degraded'],
  ClusterVersionOperatorDown: ['upgrade_blocked'],
  ClusterNotUpgradeable: ['upgrade_blocked'],
  MCDDrainError: ['upgrade_blocked'],
  MCCDrainError: ['upgrade_blocked'],
  KubeVersionMismatch: ['upgrade_blocked'],
  // Velero's metrics, as the alerts its users write on them are commonly named.
  VeleroBackupFailures: ['backup_failed'],
  VeleroBackupPartialFailures: ['backup_failed'],
  VeleroBackupNotSucceeded: ['backup_failed', 'backup_missing'],
  VeleroBackupTooOld: ['backup_missing'],
  VeleroRestoreFailures: ['restore_failed'],
};

/**
 * Categories about the cluster as a whole: an alert that only these explain carries its
 * exporter's namespace (openshift-cluster-version, velero), not the namespace it is about.
 */
const CLUSTER_WIDE = new Set<FindingCategory>([
  'cluster_operator_degraded',
  'upgrade_blocked',
  'backup_failed',
  'backup_missing',
  'restore_failed',
]);

/** Whether an alert is about the whole cluster (its `namespace` label does not scope it). */
export function isClusterWideAlert(alert: TaskAlert): boolean {
  return alert.categories.length > 0 && alert.categories.every((c) => CLUSTER_WIDE.has(c as FindingCategory));
}

/** Labels that name a Kubernetes object (kube-state-metrics and kubelet conventions). */
const OBJECT_LABELS: [label: string, kind: string, namespaced: boolean][] = [
  ['pod', 'Pod', true],
  ['deployment', 'Deployment', true],
  ['statefulset', 'StatefulSet', true],
  ['daemonset', 'DaemonSet', true],
  ['job_name', 'Job', true],
  ['persistentvolumeclaim', 'PersistentVolumeClaim', true],
  ['horizontalpodautoscaler', 'HorizontalPodAutoscaler', true],
  ['node', 'Node', false],
  ['persistentvolume', 'PersistentVolume', false],
];

/** Node alerts carry kubelet scrape labels (`node`) that are not what the alert is about. */
const NODE_SUBJECT = new Set([
  'KubeNodeNotReady',
  'KubeNodeUnreachable',
  'KubeNodeReadinessFlapping',
  'KubeNodePressure',
  'KubeletDown',
  'KubeletTooManyPods',
]);

/**
 * What an investigation needs to know about a group: alert names, severity, the common labels and
 * the objects every alert names (each alert's pod, deployment, PVC…), with the categories to try first.
 */
export function taskAlertOf(group: {
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: { labels: Record<string, string> }[];
}): TaskAlert {
  const alertnames = [...new Set(group.alerts.map((a) => a.labels.alertname).filter((n): n is string => Boolean(n)))];
  const nodeSubject = alertnames.some((n) => NODE_SUBJECT.has(n));
  const objects = new Map<string, TaskAlert['objects'][number]>();
  for (const a of group.alerts.slice(0, 50)) {
    for (const [label, kind, namespaced] of OBJECT_LABELS) {
      const name = a.labels[label];
      if (!name || (kind === 'Node' && !nodeSubject && objects.size > 0)) continue;
      // Labels are Prometheus's text: only a real object name or namespace can point at anything.
      if (!isDnsSubdomain(name)) continue;
      const ns = namespaced && a.labels.namespace && isDnsLabel(a.labels.namespace) ? a.labels.namespace : undefined;
      if (namespaced && !ns) continue;
      objects.set(`${kind}/${ns ?? ''}/${name}`, { kind, name, ...(ns ? { namespace: ns } : {}) });
    }
  }
  const categories = [...new Set(alertnames.flatMap((n) => ALERT_CATEGORIES[n] ?? []))];
  return {
    alertnames,
    severity: group.commonLabels.severity,
    labels: group.commonLabels,
    summary: group.commonAnnotations.summary ?? group.commonAnnotations.description,
    objects: [...objects.values()].slice(0, 20),
    categories,
  };
}
