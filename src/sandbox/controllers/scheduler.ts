import { isNodeReady, type KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';
import { interPodFailures, interPodScore } from './inter-pod.ts';
import { nodeFailures } from './scheduling-filters.ts';

/**
 * Binds pending pods to a feasible node (fewest pods first), or records why none fits with the
 * real scheduler's FailedScheduling message: "0/3 nodes are available: 1 Insufficient memory, …".
 */
export function runScheduler(state: ClusterState): void {
  const nodes = state.store.list(T.node);
  const pods = state.store.list(T.pod);
  for (const pod of pods) {
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) continue;
    const volumeProblem = unboundVolumes(state, pod);
    const verdicts = nodes.map((n) => ({
      node: n,
      ...(volumeProblem ? { reasons: [], resources: false } : filters(pod, withReadiness(n), nodes, pods)),
    }));
    const feasible = verdicts.filter((v) => v.reasons.length === 0).map((v) => v.node);
    if (volumeProblem || feasible.length === 0) {
      unschedulable(state, pod, failedSchedulingMessage(nodes.length, verdicts, volumeProblem));
      continue;
    }
    const load = (name: string) => pods.filter((p) => p.spec?.nodeName === name).length;
    const score = (n: KubeObject) => interPodScore(pod, n, nodes, pods) * 1000 + load(n.metadata.name);
    const node = feasible.sort((a, b) => score(a) - score(b))[0]!;
    const bound = state.store.update(T.pod, { ...pod, spec: { ...pod.spec, nodeName: node.metadata.name } });
    state.store.update(
      T.pod,
      { ...bound, status: { phase: 'Pending', startTime: isoSeconds(state.now()) } },
      { statusOnly: true },
    );
    pod.spec = bound.spec;
    recordEvent(state, bound, {
      reason: 'Scheduled',
      type: 'Normal',
      component: 'default-scheduler',
      message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`,
    });
  }
}

/** The per-node filters, then the inter-pod ones (which look at every node and pod). */
function filters(
  pod: KubeObject,
  node: KubeObject,
  nodes: KubeObject[],
  pods: KubeObject[],
): { reasons: string[]; resources: boolean } {
  const own = nodeFailures(
    pod,
    node,
    pods.filter((p) => p.spec?.nodeName === node.metadata.name),
  );
  if (own.reasons.length) return own;
  return { reasons: interPodFailures(pod, node, nodes, pods), resources: false };
}

/** A NotReady node carries the not-ready NoSchedule taint, as the node lifecycle controller adds it. */
function withReadiness(node: KubeObject): KubeObject {
  if (isNodeReady(node)) return node;
  const taints = [...(node.spec?.taints ?? []), { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }];
  return { ...node, spec: { ...node.spec, taints } };
}

/** PVCs the pod needs that are missing or not bound with Immediate binding (VolumeBinding PreFilter). */
function unboundVolumes(state: ClusterState, pod: KubeObject): string | undefined {
  for (const v of pod.spec?.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (!claim) continue;
    const pvc = state.store.get(T.pvc, pod.metadata.namespace, claim);
    if (!pvc) return `persistentvolumeclaim "${claim}" not found`;
    if (pvc.status?.phase === 'Bound') continue;
    const cls = pvc.spec?.storageClassName
      ? state.store.get(T.storageClass, undefined, pvc.spec.storageClassName)
      : undefined;
    if (cls?.volumeBindingMode !== 'WaitForFirstConsumer') return 'pod has unbound immediate PersistentVolumeClaims';
  }
  return undefined;
}

function failedSchedulingMessage(
  total: number,
  verdicts: { reasons: string[]; resources: boolean }[],
  prefilter?: string,
): string {
  if (prefilter)
    return `0/${total} nodes are available: ${prefilter}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
  if (total === 0) return 'no nodes available to schedule pods';
  const counts = new Map<string, number>();
  for (const v of verdicts) for (const r of v.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  const victims = verdicts.filter((v) => v.resources).length;
  const preemption = [
    victims && `${victims} No preemption victims found for incoming pod`,
    total - victims && `${total - victims} Preemption is not helpful for scheduling`,
  ]
    .filter(Boolean)
    .join(', ');
  return `0/${total} nodes are available: ${reasons.join(', ')}. preemption: 0/${total} nodes are available: ${preemption}.`;
}

function unschedulable(state: ClusterState, pod: KubeObject, message: string): void {
  const status = {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
        lastTransitionTime: pod.metadata.creationTimestamp,
      },
    ],
  };
  if (JSON.stringify(status) !== JSON.stringify(pod.status))
    state.store.update(T.pod, { ...pod, status }, { statusOnly: true });
  recordEvent(state, pod, {
    reason: 'FailedScheduling',
    type: 'Warning',
    component: 'default-scheduler',
    message,
    count: 1,
  });
}
