import type { ClusterSnapshot } from '../../analyzers/snapshot.ts';
import type { KubeReader } from '../../cluster/kube-reader.ts';

/** One read of everything the analyzers need, in parallel; namespaced kinds limited to `namespace`. */
export async function readSnapshot(reader: KubeReader, namespace?: string): Promise<ClusterSnapshot> {
  const ns = (apiVersion: string, kind: string) => reader.list(apiVersion, kind, namespace);
  const [nodes, pods, deployments, replicaSets, statefulSets, daemonSets, jobs, services, endpoints, pvcs, storageClasses, events] = await Promise.all([
    reader.list('v1', 'Node'), reader.listPods(namespace), ns('apps/v1', 'Deployment'), ns('apps/v1', 'ReplicaSet'), ns('apps/v1', 'StatefulSet'),
    ns('apps/v1', 'DaemonSet'), ns('batch/v1', 'Job'), ns('v1', 'Service'), ns('v1', 'Endpoints'), ns('v1', 'PersistentVolumeClaim'),
    reader.list('storage.k8s.io/v1', 'StorageClass'), reader.listEvents(namespace),
  ]);
  return { namespace, nodes, pods, deployments, replicaSets, statefulSets, daemonSets, jobs, services, endpoints, pvcs, storageClasses, events };
}
