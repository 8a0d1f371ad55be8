import type { KubeObject } from '../../lib/kube-object.ts';
import * as policy from '../../lib/network-policy.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { podIp } from '../controllers/pod-status.ts';

/** The simulated cluster as NetworkPolicy sees it (the rules themselves are lib/network-policy.ts). */
function worldOf(state: ClusterState): policy.PolicyWorld {
  return {
    policies: (ns) => state.store.list(T.networkPolicy, ns),
    namespaceLabels: (ns) => state.store.get(T.namespace, undefined, ns)?.metadata.labels,
    podIp,
  };
}

export function connectionAllowed(state: ClusterState, from: KubeObject, to: KubeObject, port: number): boolean {
  return policy.connectionAllowed(worldOf(state), from, to, port);
}

/** Whether `pod` may send DNS queries (UDP/TCP 53) under its egress policies. */
export function dnsAllowed(state: ClusterState, pod: KubeObject): boolean {
  return policy.dnsAllowed(worldOf(state), pod);
}
