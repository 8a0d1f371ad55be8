import { controllerOf, isPodReady, type KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { randomSuffix } from '../object-store.ts';
import { recordEvent } from './event-recorder.ts';
import { createOwnedPod } from './pod-factory.ts';

/** Keeps each ReplicaSet's pod count at spec.replicas and reports ready/available counts. */
export function runReplicaSetController(state: ClusterState): void {
  for (const rs of state.store.list(T.replicaSet)) {
    const pods = state.podsOwnedBy(rs);
    const want = rs.spec?.replicas ?? 1;
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        const pod = createPod(state, rs);
        if (!pod) break;
        pods.push(pod);
      }
    } else if (pods.length > want) {
      // Delete the least useful first: unscheduled, then not ready, then newest.
      const ranked = [...pods].sort(
        (a, b) =>
          rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
      );
      for (const pod of ranked.slice(0, pods.length - want)) {
        state.store.delete(T.pod, pod.metadata.namespace, pod.metadata.name);
        recordEvent(state, rs, {
          reason: 'SuccessfulDelete',
          type: 'Normal',
          component: 'replicaset-controller',
          message: `Deleted pod: ${pod.metadata.name}`,
        });
        pods.splice(pods.indexOf(pod), 1);
      }
    }
    const ready = pods.filter(isPodReady).length;
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status))
      state.store.update(T.replicaSet, { ...rs, status }, { statusOnly: true });
  }
}

function createPod(state: ClusterState, rs: KubeObject): KubeObject | undefined {
  const pod = createOwnedPod(state, rs, rs.spec.template, { name: `${rs.metadata.name}-${randomSuffix(5)}` });
  if (!pod) return undefined;
  recordEvent(state, rs, {
    reason: 'SuccessfulCreate',
    type: 'Normal',
    component: 'replicaset-controller',
    message: `Created pod: ${pod.metadata.name}`,
  });
  return pod;
}

function rank(pod: KubeObject): number {
  if (!pod.spec?.nodeName) return 0;
  return isPodReady(pod) ? 2 : 1;
}

/**
 * Adopts objects whose controller reference names an owner by kind and name but carries a stale
 * uid (state files written by hand or dumped from another cluster), as the real controllers do.
 */
export function adoptOrphans(state: ClusterState): void {
  for (const [childType, ownerType] of [
    [T.replicaSet, T.deployment],
    [T.pod, T.replicaSet],
  ] as const) {
    const stale = (c: Readonly<KubeObject>) => {
      const ref = controllerOf(c as KubeObject);
      if (!ref || ref.kind !== ownerType.kind) return false;
      const owner = state.store.peek(ownerType, c.metadata.namespace, ref.name);
      return Boolean(owner && owner.metadata.uid !== ref.uid);
    };
    for (const child of state.store.list(childType, undefined, stale)) {
      const ref = controllerOf(child)!;
      const owner = state.store.get(ownerType, child.metadata.namespace, ref.name);
      if (owner && owner.metadata.uid !== ref.uid) {
        ref.uid = owner.metadata.uid!;
        state.store.update(childType, child);
      }
    }
  }
}
