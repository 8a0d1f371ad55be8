import type { KubeObject } from './kube-object.ts';
import { matchesSelector } from './label-selector.ts';

/**
 * NetworkPolicy as the API defines it: a pod selected by a policy of a direction is isolated in
 * that direction, and then only what some rule of some such policy allows gets through (ingress on
 * the target's side, egress on the source's). Peers are pods (same namespace), namespaces (by their
 * labels, with an optional pod selector) or IP blocks; ports by number, name or range. Shared by the
 * simulated network and the posture analyzers, which see the cluster through `PolicyWorld`.
 */
export interface PolicyWorld {
  policies(namespace: string): KubeObject[];
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  podIp(pod: KubeObject): string | undefined;
}

export type Direction = 'Ingress' | 'Egress';

export function connectionAllowed(world: PolicyWorld, from: KubeObject, to: KubeObject, port: number): boolean {
  return allowed(world, to, 'Ingress', from, port) && allowed(world, from, 'Egress', to, port);
}

/** Whether `pod` may send DNS queries (UDP/TCP 53) under its egress policies. */
export function dnsAllowed(world: PolicyWorld, pod: KubeObject): boolean {
  const egress = policiesSelecting(world, pod, 'Egress');
  if (egress.length === 0) return true;
  return egress.some((p) =>
    (p.spec?.egress ?? []).some((r: any) => portsMatch(r.ports, 53, undefined, ['UDP', 'TCP'])),
  );
}

/** The policy types a policy has: `policyTypes`, else Ingress plus Egress when it has egress rules. */
export function policyTypes(policy: KubeObject): Direction[] {
  return policy.spec?.policyTypes ?? ['Ingress', ...(policy.spec?.egress ? ['Egress' as const] : [])];
}

export function policiesSelecting(world: PolicyWorld, pod: KubeObject, direction: Direction): KubeObject[] {
  return world
    .policies(pod.metadata.namespace ?? '')
    .filter((p) => policyTypes(p).includes(direction) && matchesSelector(p.spec?.podSelector, pod.metadata.labels));
}

function allowed(
  world: PolicyWorld,
  subject: KubeObject,
  direction: Direction,
  peer: KubeObject,
  port: number,
): boolean {
  const policies = policiesSelecting(world, subject, direction);
  if (policies.length === 0) return true;
  const target = direction === 'Ingress' ? subject : peer;
  return policies.some((p) =>
    ((direction === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []).some((rule: any) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers?.length || peers.some((x: any) => peerMatches(world, p, x, peer));
      return peerOk && portsMatch(rule.ports, port, target, ['TCP']);
    }),
  );
}

function peerMatches(world: PolicyWorld, policy: KubeObject, peer: any, pod: KubeObject): boolean {
  if (peer.ipBlock) {
    const ip = world.podIp(pod);
    return (
      ip !== undefined &&
      inCidr(ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c: string) => inCidr(ip, c))
    );
  }
  if (peer.namespaceSelector) {
    const ns = pod.metadata.namespace!;
    const nsLabels = { 'kubernetes.io/metadata.name': ns, ...(world.namespaceLabels(ns) ?? {}) };
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

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string | undefined];
  const n = (s: string) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = bits === undefined ? 0xffffffff : Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(base) & mask);
}
