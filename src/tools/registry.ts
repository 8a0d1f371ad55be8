import type { Tool } from './define-tool.ts';
import { backupStatusTool } from './read/backup-status.ts';
import { canI } from './read/can-i.ts';
import { checkManifestsTool } from './read/check-manifests.ts';
import { findProblems } from './read/find-problems.ts';
import { generateManifests } from './read/generate-manifests.ts';
import { getPod } from './read/get-pod.ts';
import { getWorkload } from './read/get-workload.ts';
import { gitopsStatus } from './read/gitops-status.ts';
import { listConfig } from './read/list-config.ts';
import { listHpas } from './read/list-hpas.ts';
import { listIngresses } from './read/list-ingresses.ts';
import { listNamespaces } from './read/list-namespaces.ts';
import { listNetworkPolicies } from './read/list-network-policies.ts';
import { listNodes } from './read/list-nodes.ts';
import { listPods } from './read/list-pods.ts';
import { listServices } from './read/list-services.ts';
import { listStorage } from './read/list-storage.ts';
import { listWorkloads } from './read/list-workloads.ts';
import { networkReach } from './read/network-reach.ts';
import { objectEvents } from './read/object-events.ts';
import { podLogs } from './read/pod-logs.ts';
import { resourceUsage } from './read/resource-usage.ts';
import { rolloutHistoryTool } from './read/rollout-history.ts';
import { securityPostureTool } from './read/security-posture.ts';
import { upgradeStatusTool } from './read/upgrade-status.ts';
import { warningEvents } from './read/warning-events.ts';
import { whoCan } from './read/who-can.ts';
import { applyManifest } from './write/apply-manifest.ts';
import { argocdRefresh } from './write/argocd-refresh.ts';
import { argocdRollback } from './write/argocd-rollback.ts';
import { argocdSync } from './write/argocd-sync.ts';
import { argocdTerminateOp } from './write/argocd-terminate-op.ts';
import { clusterUpgrade } from './write/cluster-upgrade.ts';
import { cordon } from './write/cordon.ts';
import { deletePod } from './write/delete-pod.ts';
import { drain } from './write/drain.ts';
import { expandPvc } from './write/expand-pvc.ts';
import { fluxReconcile } from './write/flux-reconcile.ts';
import { fluxResume } from './write/flux-resume.ts';
import { fluxSuspend } from './write/flux-suspend.ts';
import { helmRollback } from './write/helm-rollback.ts';
import { nodeMaintenance } from './write/node-maintenance.ts';
import { nodePoolUpgrade } from './write/node-pool-upgrade.ts';
import { patch } from './write/patch.ts';
import { rolloutRestart } from './write/rollout-restart.ts';
import { rolloutUndo } from './write/rollout-undo.ts';
import { scale } from './write/scale.ts';
import { setImage } from './write/set-image.ts';
import { setPodSecurity } from './write/set-pod-security.ts';
import { setResources } from './write/set-resources.ts';
import { uncordon } from './write/uncordon.ts';
import { veleroBackup } from './write/velero-backup.ts';
import { veleroRestore } from './write/velero-restore.ts';

/** The bounded operational vocabulary: the agent can do nothing that is not listed here. */
export const TOOLS: readonly Tool[] = [
  findProblems,
  listPods,
  getPod,
  listWorkloads,
  getWorkload,
  rolloutHistoryTool,
  podLogs,
  objectEvents,
  warningEvents,
  listNodes,
  listServices,
  listIngresses,
  listNetworkPolicies,
  listStorage,
  listConfig,
  canI,
  whoCan,
  listHpas,
  listNamespaces,
  resourceUsage,
  gitopsStatus,
  securityPostureTool,
  generateManifests,
  checkManifestsTool,
  networkReach,
  backupStatusTool,
  upgradeStatusTool,
  rolloutRestart,
  rolloutUndo,
  scale,
  setResources,
  setImage,
  deletePod,
  cordon,
  uncordon,
  drain,
  patch,
  applyManifest,
  expandPvc,
  argocdSync,
  argocdRefresh,
  argocdRollback,
  argocdTerminateOp,
  fluxReconcile,
  fluxSuspend,
  fluxResume,
  helmRollback,
  setPodSecurity,
  veleroBackup,
  veleroRestore,
  clusterUpgrade,
  nodePoolUpgrade,
  nodeMaintenance,
];

export function findTool(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}
