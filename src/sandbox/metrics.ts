import type { KubeObject } from '../lib/kube-object.ts';
import { cpuMillis, parseQuantity, quantityToMi } from '../lib/quantity.ts';
import { type ClusterState, isoSeconds, T } from './cluster-state.ts';
import { containerBehaviour } from './images/container-behaviour.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

const IDLE_MILLIS = 2;
const IDLE_MI = 24;

/** A running container's usage, as metrics-server would report it: CPU capped at the limit (throttled), memory at the limit (then it is OOMKilled). */
export function containerUsage(state: ClusterState, pod: KubeObject, c: any): { cpu: number; memoryMi: number } {
  const b = containerBehaviour(state, pod, c);
  const cpuLimit = cpuMillis(c.resources?.limits?.cpu);
  const memLimit = quantityToMi(c.resources?.limits?.memory);
  const cpu = Math.min(b.cpuMillis ?? IDLE_MILLIS, cpuLimit ?? Number.POSITIVE_INFINITY);
  const memoryMi = Math.min(b.memoryMi ?? IDLE_MI, memLimit ?? Number.POSITIVE_INFINITY);
  return { cpu, memoryMi };
}

function podMetrics(state: ClusterState, pod: KubeObject): KubeObject | undefined {
  const running = (pod.status?.containerStatuses ?? []).filter((s: any) => s.state?.running);
  if (pod.status?.phase !== 'Running' || running.length === 0) return undefined;
  const containers = (pod.spec?.containers ?? [])
    .filter((c: any) => running.some((s: any) => s.name === c.name))
    .map((c: any) => {
      const u = containerUsage(state, pod, c);
      return {
        name: c.name,
        usage: { cpu: `${Math.round(u.cpu * 1e6)}n`, memory: `${Math.round(u.memoryMi * 1024)}Ki` },
      };
    });
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      creationTimestamp: isoSeconds(state.now()),
      labels: pod.metadata.labels ?? {},
    },
    timestamp: isoSeconds(state.now()),
    window: '30s',
    containers,
  };
}

function nodeMetrics(state: ClusterState, node: KubeObject): KubeObject {
  let cpu = 150;
  let memoryMi = 900; // system daemons
  for (const pod of state.store.list(T.pod).filter((p) => p.spec?.nodeName === node.metadata.name)) {
    for (const c of (podMetrics(state, pod)?.containers as any[]) ?? []) {
      cpu += (parseQuantity(c.usage.cpu) ?? 0) * 1000;
      memoryMi += (parseQuantity(c.usage.memory) ?? 0) / 2 ** 20;
    }
  }
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {
      name: node.metadata.name,
      creationTimestamp: isoSeconds(state.now()),
      labels: node.metadata.labels ?? {},
    },
    timestamp: isoSeconds(state.now()),
    window: '20s',
    usage: { cpu: `${Math.round(cpu * 1e6)}n`, memory: `${Math.round(memoryMi * 1024)}Ki` },
  };
}

/** GET/LIST on metrics.k8s.io: computed from the pods and their image behaviours at this moment. */
export function readMetrics(
  state: ClusterState,
  type: ResourceType,
  namespace: string | undefined,
  name: string | undefined,
): unknown {
  const items =
    type.kind === 'NodeMetrics'
      ? state.store
          .list(T.node)
          .filter((n) => !name || n.metadata.name === name)
          .map((n) => nodeMetrics(state, n))
      : state.store
          .list(T.pod, namespace)
          .filter((p) => !name || p.metadata.name === name)
          .map((p) => podMetrics(state, p))
          .filter((m): m is KubeObject => m !== undefined);
  if (name) {
    if (!items[0])
      throw new ApiError(404, 'NotFound', `${type.plural}.metrics.k8s.io "${name}" not found`, {
        name,
        kind: type.plural,
        group: 'metrics.k8s.io',
      });
    return items[0];
  }
  return { kind: `${type.kind}List`, apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items };
}

/** The kubelet's /stats/summary for one node: per pod, the usage of each persistent volume it mounts. */
export function statsSummary(state: ClusterState, nodeName: string): unknown {
  const node = state.store.mustGet(T.node, undefined, nodeName);
  const pods = state.store.list(T.pod).filter((p) => p.spec?.nodeName === nodeName && p.status?.phase === 'Running');
  return {
    node: { nodeName: node.metadata.name, startTime: node.metadata.creationTimestamp },
    pods: pods.map((pod) => {
      const used = (pod.spec?.containers ?? []).reduce(
        (n: number, c: any) => n + (containerBehaviour(state, pod, c).diskUsedMi ?? 0),
        0,
      );
      const volume = (pod.spec?.volumes ?? [])
        .filter((v: any) => v.persistentVolumeClaim)
        .flatMap((v: any) => {
          const pvc = state.store.get(T.pvc, pod.metadata.namespace, v.persistentVolumeClaim.claimName);
          const capacity = parseQuantity(pvc?.status?.capacity?.storage);
          if (!pvc || capacity === undefined) return [];
          const usedBytes = Math.min(used * 2 ** 20, capacity);
          return [
            {
              name: v.name,
              pvcRef: { name: pvc.metadata.name, namespace: pvc.metadata.namespace },
              capacityBytes: capacity,
              usedBytes,
              availableBytes: capacity - usedBytes,
              time: isoSeconds(state.now()),
            },
          ];
        });
      return {
        podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
        startTime: pod.status?.startTime,
        volume,
      };
    }),
  };
}
