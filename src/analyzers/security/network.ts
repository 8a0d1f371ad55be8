import type { SecurityFinding } from '../../domain/security-finding.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector, matchesServiceSelector } from '../../lib/label-selector.ts';
import { connectionAllowed, type PolicyWorld, policyTypes } from '../../lib/network-policy.ts';
import { isSystemNamespace, type SecuritySnapshot } from './security-snapshot.ts';

/** A pod with no labels in a namespace no policy names, at an address outside the cluster: "anyone". */
const ANYONE: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'anyone', namespace: 'claw-elsewhere', labels: {} },
  spec: { containers: [] },
  status: { podIP: '203.0.113.7' },
};

export function policyWorld(s: SecuritySnapshot): PolicyWorld {
  return {
    policies: (ns) => s.networkPolicies.filter((p) => p.metadata.namespace === ns),
    namespaceLabels: (ns) => s.namespaces.find((n) => n.metadata.name === ns)?.metadata.labels,
    podIp: (pod) => pod.status?.podIP,
  };
}

/** The ports a pod listens on (container ports; none declared: one probe port). */
export function podPorts(pod: KubeObject): number[] {
  const ports = (pod.spec?.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort));
  return ports.length ? ports : [-1];
}

/** Whether any pod anywhere (and any address a policy's ipBlock admits) can connect to `pod`. */
export function openToAnyone(world: PolicyWorld, pod: KubeObject): boolean {
  return podPorts(pod).some((port) => connectionAllowed(world, ANYONE, pod, port));
}

/**
 * NetworkPolicy posture per namespace: no default deny, workloads any pod in the cluster can reach
 * (worse when a LoadBalancer or NodePort Service puts them outside it too), and policies whose
 * selector matches no pod (usually a typo: what they were meant to protect is open).
 */
export function networkFindings(s: SecuritySnapshot): SecurityFinding[] {
  const world = policyWorld(s);
  const out: SecurityFinding[] = [];
  for (const ns of s.namespaces) {
    const name = ns.metadata.name;
    if (isSystemNamespace(name)) continue;
    const pods = s.pods.filter((p) => p.metadata.namespace === name && p.status?.phase !== 'Succeeded');
    const policies = s.networkPolicies.filter((p) => p.metadata.namespace === name);
    for (const p of policies) {
      if (pods.length && !pods.some((pod) => matchesSelector(p.spec?.podSelector, pod.metadata.labels)))
        out.push({
          category: 'network_exposure',
          severity: 'low',
          summary: `NetworkPolicy ${name}/${p.metadata.name} selects no pod: whatever it was meant to isolate is not isolated`,
          object: { kind: 'NetworkPolicy', namespace: name, name: p.metadata.name },
          evidence: [
            `podSelector ${JSON.stringify(p.spec?.podSelector ?? {})} matches none of ${pods.length} pods in ${name}`,
          ],
        });
    }
    if (!pods.length) continue;
    const open = pods.filter((pod) => openToAnyone(world, pod));
    const defaultDeny = policies.some(
      (p) =>
        policyTypes(p).includes('Ingress') &&
        !Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length &&
        !(p.spec?.podSelector?.matchExpressions ?? []).length,
    );
    if (defaultDeny && !open.length) continue;
    const exposing = s.services.filter(
      (svc) =>
        svc.metadata.namespace === name &&
        ['LoadBalancer', 'NodePort'].includes(svc.spec?.type) &&
        open.some((pod) => matchesServiceSelector(svc.spec?.selector, pod.metadata.labels)),
    );
    const owners = [...new Set(open.map(ownerLabel))];
    out.push({
      category: 'network_exposure',
      severity: exposing.length ? 'high' : open.length ? 'medium' : 'low',
      summary: `Namespace ${name}${defaultDeny ? '' : ' has no default-deny NetworkPolicy and'}${
        open.length
          ? ` ${defaultDeny ? 'still lets' : 'lets'} any pod in the cluster reach ${owners.length} workload${owners.length === 1 ? '' : 's'} (${owners.slice(0, 4).join(', ')})`
          : ' isolates its pods only by per-workload policies'
      }${exposing.length ? `; ${exposing.map((x) => `${x.spec.type} Service ${x.metadata.name}`).join(', ')} also exposes them outside the cluster` : ''}`,
      object: { kind: 'Namespace', name },
      evidence: [
        !policies.length
          ? `no NetworkPolicy in ${name}: every pod accepts traffic from everywhere`
          : `${policies.length} NetworkPolic${policies.length === 1 ? 'y' : 'ies'} in ${name} (${policies.map((p) => p.metadata.name).join(', ')})${defaultDeny ? ', a default deny among them, but rules let everyone back in' : '; none is a default deny (empty podSelector, policyTypes Ingress)'}`,
        ...open.slice(0, 6).map(
          (pod) =>
            `Pod ${pod.metadata.name} (${ownerLabel(pod)}) accepts connections from any namespace on ${
              podPorts(pod)
                .filter((p) => p > 0)
                .join(', ') || 'every port'
            }`,
        ),
        ...exposing.map((x) => `Service ${x.metadata.name} is type ${x.spec.type}`),
        `remedy: a default-deny ingress policy plus an allow rule per workload for the callers it needs (claw generate writes both)`,
      ],
    });
  }
  return out;
}

/** `Deployment web` for a pod its ReplicaSet's Deployment owns (by the pod-template-hash naming). */
function ownerLabel(pod: KubeObject): string {
  const owner = (pod.metadata.ownerReferences ?? []).find((r: any) => r.controller);
  if (!owner) return `Pod ${pod.metadata.name}`;
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    return `Deployment ${hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name}`;
  }
  return `${owner.kind} ${owner.name}`;
}
