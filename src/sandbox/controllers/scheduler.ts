import { type ClusterState, T, isoSeconds } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';

/**
 * Binds pending pods to a schedulable, Ready node (fewest pods first). Selectors, affinity,
 * taints and resources come with the faithful scheduler in a later issue.
 */
export function runScheduler(state: ClusterState): void {
  const nodes = state.store.list(T.node);
  const pods = state.store.list(T.pod);
  for (const pod of pods) {
    if (pod.spec?.nodeName) continue;
    const feasible = nodes.filter((n) => !n.spec?.unschedulable && isReady(n));
    if (feasible.length === 0) {
      const cordoned = nodes.filter((n) => n.spec?.unschedulable).length;
      const notReady = nodes.filter((n) => !isReady(n)).length;
      const reasons = [cordoned && `${cordoned} node(s) were unschedulable`, notReady && `${notReady} node(s) had untolerated taint {node.kubernetes.io/not-ready: }`].filter(Boolean);
      const message = `0/${nodes.length} nodes are available: ${reasons.join(', ') || 'no nodes available to schedule pods'}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
      const status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: pod.metadata.creationTimestamp }] };
      if (JSON.stringify(status) !== JSON.stringify(pod.status)) state.store.update(T.pod, { ...pod, status }, { statusOnly: true });
      recordEvent(state, pod, { reason: 'FailedScheduling', type: 'Warning', component: 'default-scheduler', message, count: 1 });
      continue;
    }
    const load = (name: string) => pods.filter((p) => p.spec?.nodeName === name).length;
    const node = feasible.sort((a, b) => load(a.metadata.name) - load(b.metadata.name))[0]!;
    const bound = state.store.update(T.pod, { ...pod, spec: { ...pod.spec, nodeName: node.metadata.name } });
    state.store.update(T.pod, { ...bound, status: { phase: 'Pending', startTime: isoSeconds(state.now()) } }, { statusOnly: true });
    pod.spec = bound.spec;
    recordEvent(state, bound, { reason: 'Scheduled', type: 'Normal', component: 'default-scheduler', message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}` });
  }
}

function isReady(node: { status?: any }): boolean {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  return !ready || ready.status === 'True';
}
