import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector } from '../../lib/label-selector.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { podIp } from '../controllers/pod-status.ts';

/**
 * NetworkPolicy as the API defines it: a pod selected by a policy of a direction is isolated in
 * that direction, and then only what some rule of some such policy allows gets through (ingress on
 * the target's side, egress on the source's). Peers are pods (same namespace), namespaces (by their
 * labels, with an optional pod selector) or IP blocks; ports by number, name or range.
 */
export function connectionAllowed(state: ClusterState, from: KubeObject, to: KubeObject, port: number): boolean {
  return allowed(state, to, 'Ingress', from, port) && allowed(state, from, 'Egress', to, port);
}

/** Whether `pod` may send DNS queries (UDP/TCP 53) under its egress policies. */
export function dnsAllowed(state: ClusterState, pod: KubeObject): boolean {
  const egress = policiesSelecting(state, pod, 'Egress');
  if (egress.length === 0) return true;
  return egress.some((p) =>
    (p.spec?.egress ?? []).some((r: any) => portsMatch(r.ports, 53, undefined, ['UDP', 'TCP'])),
  );
}

function policiesSelecting(state: ClusterState, pod: KubeObject, direction: 'Ingress' | 'Egress'): KubeObject[] {
  return state.store.list(T.networkPolicy, pod.metadata.namespace).filter((p) => {
    const types: string[] = p.spec?.policyTypes ?? ['Ingress', ...(p.spec?.egress ? ['Egress'] : [])];
    return types.includes(direction) && matchesSelector(p.spec?.podSelector, pod.metadata.labels);
  });
}

function allowed(
  state: ClusterState,
  subject: KubeObject,
  direction: 'Ingress' | 'Egress',
  peer: KubeObject,
  port: number,
): boolean {
  const policies = policiesSelecting(state, subject, direction);
  if (policies.length === 0) return true;
  const target = direction === 'Ingress' ? subject : peer;
  return policies.some((p) =>
    ((direction === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []).some((rule: any) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers?.length || peers.some((x: any) => peerMatches(state, p, x, peer));
      return peerOk && portsMatch(rule.ports, port, target, ['TCP']);
    }),
  );
}

function peerMatches(state: ClusterState, policy: KubeObject, peer: any, pod: KubeObject): boolean {
  if (peer.ipBlock)
    return (
      inCidr(podIp(pod), peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(podIp(pod), c))
    );
  if (peer.namespaceSelector) {
    const ns = state.store.get(T.namespace, undefined, pod.metadata.namespace!);
    const nsLabels = { 'kubernetes.io/metadata.name': pod.metadata.namespace!, ...(ns?.metadata.labels ?? {}) };
    return (
      matchesSelector(peer.namespaceSelector, nsLabels) &&
      (!peer.podSelector || matchesSelector(peer.podSelector, pod.metadata.labels))
    );
  }
  if (peer.podSelector)
    return (
      pod.metadata.namespace === policy.metadata.namespace && matchesSelector(peer.podSelector, pod.metadata.labels)
    );
  return false;
}

function portsMatch(
  ports: any[] | undefined,
  port: number,
  target: KubeObject | undefined,
  protocols: string[],
): boolean {
  if (!ports?.length) return true;
  return ports.some((p) => {
    if (!protocols.includes(p.protocol ?? 'TCP')) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
      const named = (target?.spec?.containers ?? [])
        .flatMap((c: any) => c.ports ?? [])
        .find((x: any) => x.name === p.port);
      return named?.containerPort === port;
    }
    const first = Number(p.port);
    return port === first || (p.endPort !== undefined && port >= first && port <= p.endPort);
  });
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string | undefined];
  const n = (s: string) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = bits === undefined ? 0xffffffff : Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(base) & mask);
}
