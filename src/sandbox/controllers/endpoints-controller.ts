import { isPodReady, type KubeObject } from '../../lib/kube-object.ts';
import { matchesServiceSelector } from '../../lib/label-selector.ts';
import { type ClusterState, T } from '../cluster-state.ts';

/**
 * Keeps one Endpoints object per Service with a selector: ready pods under `addresses`, the rest
 * under `notReadyAddresses`, target ports resolved (named ports through the pod's containers).
 */
export function runEndpointsController(state: ClusterState): void {
  for (const svc of state.store.list(T.service)) {
    if (!svc.spec?.selector || svc.spec.type === 'ExternalName') continue;
    const ns = svc.metadata.namespace;
    const pods = state.store
      .list(T.pod, ns)
      .filter(
        (p) =>
          p.status?.podIP &&
          !p.metadata.deletionTimestamp &&
          matchesServiceSelector(svc.spec.selector, p.metadata.labels),
      );
    const address = (p: KubeObject) => ({
      ip: p.status!.podIP,
      nodeName: p.spec?.nodeName,
      targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
    });
    const ready = pods.filter(isPodReady).map(address);
    const notReady = pods.filter((p) => !isPodReady(p)).map(address);
    const ports = (svc.spec.ports ?? []).map((sp: any) => ({
      ...(sp.name ? { name: sp.name } : {}),
      port: resolvePort(sp.targetPort ?? sp.port, pods[0]),
      protocol: sp.protocol ?? 'TCP',
    }));
    const subsets = pods.length
      ? [
          {
            ...(ready.length ? { addresses: ready } : {}),
            ...(notReady.length ? { notReadyAddresses: notReady } : {}),
            ports,
          },
        ]
      : [];
    const existing = state.store.get(T.endpoints, ns, svc.metadata.name);
    const body = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: svc.metadata.name, namespace: ns, labels: svc.metadata.labels ?? {} },
      subsets,
    };
    if (!existing) state.store.create(T.endpoints, body);
    else if (JSON.stringify(existing.subsets ?? []) !== JSON.stringify(subsets))
      state.store.update(T.endpoints, { ...existing, subsets });
  }
}

function resolvePort(target: number | string, pod: KubeObject | undefined): number | string {
  if (typeof target === 'number') return target;
  for (const c of pod?.spec?.containers ?? []) {
    const p = (c.ports ?? []).find((x: any) => x.name === target);
    if (p) return p.containerPort;
  }
  return Number(target) || target;
}
