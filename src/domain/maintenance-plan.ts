import type { KubeObject } from '../lib/kube-object.ts';
import type { WriteStep } from './write-request.ts';

/** What happens to each node while it is drained. */
export type MaintenanceChange =
  /** Nothing ClusterClaw does: drained, then back in service (a reboot or a check done meanwhile). */
  | { kind: 'none' }
  /** Wait until the node reports this kubelet version and Ready: an upgrade done by the node's own tooling. */
  | { kind: 'kubelet'; version: string }
  /** Set these node labels. */
  | { kind: 'labels'; labels: Record<string, string> };

/**
 * A node maintenance plan, approved once and run by the executor one node at a time: cordon,
 * drain (the Eviction API, so PodDisruptionBudgets hold; DaemonSet and mirror pods stay), the
 * change, uncordon — each verified before the next, stopping at the first failure.
 */
export interface MaintenancePlanRequest {
  verb: 'node_maintenance';
  nodes: string[];
  change: MaintenanceChange;
  drainTimeoutSeconds: number;
  changeTimeoutSeconds: number;
}

export function isMaintenancePlan(request: unknown): request is MaintenancePlanRequest {
  return (request as { verb?: string } | null)?.verb === 'node_maintenance';
}

export function changeText(c: MaintenanceChange): string {
  if (c.kind === 'kubelet') return `wait until it reports kubelet ${c.version} and Ready`;
  if (c.kind === 'labels')
    return `label it ${Object.entries(c.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`;
  return 'nothing (maintenance while drained)';
}

/** The card's steps, every one of them, in the order the executor runs them. */
export function maintenanceSteps(r: MaintenancePlanRequest): string[] {
  return r.nodes.flatMap((n, i) => [
    `${i + 1}/${r.nodes.length} ${n}: cordon`,
    `${i + 1}/${r.nodes.length} ${n}: drain — evict every pod but DaemonSet and mirror pods through the Eviction API (PodDisruptionBudgets hold; at most ${r.drainTimeoutSeconds}s)`,
    `${i + 1}/${r.nodes.length} ${n}: ${changeText(r.change)}${r.change.kind === 'kubelet' ? ` (at most ${r.changeTimeoutSeconds}s)` : ''}`,
    `${i + 1}/${r.nodes.length} ${n}: uncordon, and check it is Ready and schedulable`,
  ]);
}

export const cordonStep = (node: string, unschedulable: boolean): WriteStep => ({
  apiVersion: 'v1',
  kind: 'Node',
  name: node,
  verb: 'patch',
  patchType: 'strategic',
  body: { spec: { unschedulable } },
});

/** The pods a drain evicts: not DaemonSet-managed, not mirror pods, not finished. */
export function evictable(pods: KubeObject[]): KubeObject[] {
  return pods.filter(
    (p) =>
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed' &&
      !p.metadata.annotations?.['kubernetes.io/config.mirror'] &&
      p.metadata.ownerReferences?.find((r) => r.controller)?.kind !== 'DaemonSet',
  );
}
