import { createHash } from 'node:crypto';
import { canonicalJson, isNodeReady, isPodReady } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { randomSuffix } from '../object-store.ts';
import { recordEvent } from './event-recorder.ts';
import { createOwnedPod } from './pod-factory.ts';
import { nodeFailures } from './scheduling-filters.ts';

const REVISION = 'controller-revision-hash';

/**
 * One pod per eligible node. Daemon pods tolerate cordoned nodes (the unschedulable taint), as
 * the DaemonSet controller adds that toleration; other taints and selectors still apply.
 */
export function runDaemonSetController(state: ClusterState): void {
  const nodes = state.store.list(T.node);
  for (const ds of state.store.list(T.daemonSet)) {
    const revision = createHash('sha256')
      .update(canonicalJson(ds.spec?.template ?? {}))
      .digest('hex')
      .slice(0, 10);
    const template = structuredClone(ds.spec?.template ?? {});
    template.spec ??= {};
    template.spec.tolerations = [
      ...(template.spec.tolerations ?? []),
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    ];
    const pods = state.podsOwnedBy(ds);
    const eligible = nodes.filter(
      (n) => nodeFailures({ ...ds, spec: { ...template.spec, containers: [] } } as any, n, []).reasons.length === 0,
    );
    for (const node of eligible) {
      const onNode = pods.filter((p) => p.spec?.nodeName === node.metadata.name);
      const old = onNode.filter((p) => p.metadata.labels?.[REVISION] !== revision);
      for (const p of old) state.store.delete(T.pod, p.metadata.namespace, p.metadata.name);
      if (onNode.length - old.length > 0) continue;
      const pod = createOwnedPod(state, ds, template, {
        name: `${ds.metadata.name}-${randomSuffix(5)}`,
        labels: { [REVISION]: revision },
        spec: { nodeName: node.metadata.name },
      });
      if (!pod) continue;
      recordEvent(state, ds, {
        reason: 'SuccessfulCreate',
        type: 'Normal',
        component: 'daemonset-controller',
        message: `Created pod: ${pod.metadata.name}`,
      });
    }
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name));
    const live = state.podsOwnedBy(ds);
    const ready = live.filter(isPodReady);
    const status = {
      currentNumberScheduled: live.filter((p) => eligibleNames.has(p.spec?.nodeName)).length,
      desiredNumberScheduled: eligible.length,
      numberMisscheduled: live.filter((p) => !eligibleNames.has(p.spec?.nodeName)).length,
      numberReady: ready.length,
      numberAvailable: ready.length,
      numberUnavailable: Math.max(0, eligible.filter(isNodeReady).length - ready.length),
      updatedNumberScheduled: live.filter((p) => p.metadata.labels?.[REVISION] === revision).length,
      observedGeneration: ds.metadata.generation ?? 1,
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status))
      state.store.update(T.daemonSet, { ...ds, status }, { statusOnly: true });
  }
}
