import type { ObjectRef } from '../domain/object-ref.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { ClusterSnapshot } from './snapshot.ts';

/** Where each kind an alert can name lives in a snapshot. */
const LISTS: Record<string, (s: ClusterSnapshot) => KubeObject[]> = {
  Pod: (s) => s.pods,
  Deployment: (s) => s.deployments,
  ReplicaSet: (s) => s.replicaSets,
  StatefulSet: (s) => s.statefulSets,
  DaemonSet: (s) => s.daemonSets,
  Job: (s) => s.jobs,
  Service: (s) => s.services,
  PersistentVolumeClaim: (s) => s.pvcs,
  Node: (s) => s.nodes,
};

/**
 * The objects an alert names that this cluster does not have. "0 pods, all healthy" about a pod
 * that is not there would be a false all-clear: the alert may come from another cluster, or the
 * object may be gone already. Kinds a snapshot does not hold are not judged.
 */
export function absentObjects(s: ClusterSnapshot, named: readonly ObjectRef[]): ObjectRef[] {
  return named.filter((o) => {
    const list = LISTS[o.kind];
    if (!list) return false;
    return !list(s).some(
      (x) => x.metadata.name === o.name && (o.kind === 'Node' || !o.namespace || x.metadata.namespace === o.namespace),
    );
  });
}
