import { createHash } from 'node:crypto';
import { isPodReady } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';

const MANAGED_BY = 'endpointslice-controller.k8s.io';

/**
 * Mirrors each Service's Endpoints as one EndpointSlice (discovery.k8s.io/v1), as the
 * EndpointSlice controller does for a small Service: labelled with the Service's name and the
 * controller, one endpoint per pod with its ready/serving/terminating conditions.
 */
export function runEndpointSliceController(state: ClusterState): void {
  for (const svc of state.store.list(T.service)) {
    if (!svc.spec?.selector || svc.spec.type === 'ExternalName') continue;
    const ns = svc.metadata.namespace;
    const ep = state.store.get(T.endpoints, ns, svc.metadata.name);
    if (!ep) continue;
    const subset = ((ep.subsets ?? []) as unknown[])[0] as
      | { addresses?: any[]; notReadyAddresses?: any[]; ports?: { name?: string; port: number; protocol: string }[] }
      | undefined;
    const endpoint = (a: any, ready: boolean) => {
      const pod = state.store.get(T.pod, ns, a.targetRef?.name);
      const terminating = Boolean(pod?.metadata.deletionTimestamp);
      return {
        addresses: [a.ip],
        conditions: { ready: ready && !terminating, serving: pod ? isPodReady(pod) : ready, terminating },
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        targetRef: a.targetRef,
      };
    };
    const endpoints = [
      ...(subset?.addresses ?? []).map((a) => endpoint(a, true)),
      ...(subset?.notReadyAddresses ?? []).map((a) => endpoint(a, false)),
    ];
    const ports = (subset?.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      protocol: p.protocol,
    }));
    const name = `${svc.metadata.name}-${createHash('sha256')
      .update(svc.metadata.uid ?? svc.metadata.name)
      .digest('hex')
      .slice(0, 5)}`;
    const existing = state.store.get(T.endpointSlice, ns, name);
    if (!existing)
      state.store.create(T.endpointSlice, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name,
          namespace: ns,
          labels: {
            'kubernetes.io/service-name': svc.metadata.name,
            'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
          },
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              name: svc.metadata.name,
              uid: svc.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        addressType: 'IPv4',
        endpoints,
        ports,
      } as never);
    else if (JSON.stringify([existing.endpoints ?? [], existing.ports ?? []]) !== JSON.stringify([endpoints, ports]))
      state.store.update(T.endpointSlice, { ...existing, endpoints, ports });
  }
}
