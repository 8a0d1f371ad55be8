import type { KubeObject } from '../lib/kube-object.ts';

/** `kubectl rollout status` for StatefulSets and DaemonSets (the Deployment case lives in rollout.ts). */
export function workloadStatus(obj: KubeObject): { done: boolean; message: string } {
  const s = obj.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (obj.metadata.generation ?? 1);
  if (obj.kind === 'DaemonSet') {
    const want = s.desiredNumberScheduled ?? 0;
    const done = observed && (s.updatedNumberScheduled ?? 0) >= want && (s.numberAvailable ?? 0) >= want;
    return {
      done,
      message: `daemon set "${obj.metadata.name}": ${s.numberAvailable ?? 0} of ${want} updated pods are available`,
    };
  }
  const want = obj.spec?.replicas ?? 1;
  const done =
    observed &&
    (s.readyReplicas ?? 0) >= want &&
    (s.updatedReplicas ?? 0) >= want &&
    s.currentRevision === s.updateRevision;
  return {
    done,
    message: `statefulset "${obj.metadata.name}": ${s.readyReplicas ?? 0} of ${want} pods ready, ${s.updatedReplicas ?? 0} updated`,
  };
}
