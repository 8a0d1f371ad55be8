import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector } from '../../lib/label-selector.ts';

// The scheduler's InterPodAffinity and PodTopologySpread plugins: filters for the required terms
// (worded as the real plugins word them) and a score that prefers the spread and the preferred
// anti-affinity. Pods are compared by their labels within the namespaces a term names.

const domainOf = (node: KubeObject, key: string) => node.metadata.labels?.[key];

function termPods(term: any, pod: KubeObject, pods: KubeObject[]): KubeObject[] {
  const namespaces: string[] = term.namespaces?.length ? term.namespaces : [pod.metadata.namespace!];
  return pods.filter(
    (p) =>
      p !== pod &&
      p.spec?.nodeName &&
      !p.metadata.deletionTimestamp &&
      (term.namespaceSelector ? true : namespaces.includes(p.metadata.namespace!)) &&
      matchesSelector(term.labelSelector, p.metadata.labels),
  );
}

function sameDomain(term: any, node: KubeObject, others: KubeObject[], nodes: Map<string, KubeObject>): boolean {
  const value = domainOf(node, term.topologyKey);
  if (value === undefined) return false;
  return others.some((p) => domainOf(nodes.get(p.spec.nodeName)!, term.topologyKey) === value);
}

/** Reasons `node` fails the pod's required affinity, anti-affinity and spread constraints. */
export function interPodFailures(pod: KubeObject, node: KubeObject, nodes: KubeObject[], pods: KubeObject[]): string[] {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const placed = pods.filter((p) => p.spec?.nodeName && byName.has(p.spec.nodeName));
  const affinity = pod.spec?.affinity ?? {};
  for (const term of affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
    if (sameDomain(term, node, termPods(term, pod, placed), byName))
      return ["node(s) didn't match pod anti-affinity rules"];
  for (const term of affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    const matching = termPods(term, pod, placed);
    // The first pod of a group may go anywhere its own labels would satisfy the term.
    const selfMatch = matchesSelector(term.labelSelector, pod.metadata.labels) && matching.length === 0;
    if (!selfMatch && !sameDomain(term, node, matching, byName)) return ["node(s) didn't match pod affinity rules"];
  }
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if ((c.whenUnsatisfiable ?? 'DoNotSchedule') !== 'DoNotSchedule') continue;
    if (skewAfter(c, pod, node, nodes, placed) > (c.maxSkew ?? 1))
      return ["node(s) didn't match pod topology spread constraints"];
  }
  return [];
}

/** The skew the constraint would have if the pod went to `node`: its domain's count minus the least loaded domain's. */
function skewAfter(c: any, pod: KubeObject, node: KubeObject, nodes: KubeObject[], placed: KubeObject[]): number {
  const key = c.topologyKey;
  const value = domainOf(node, key);
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const d = domainOf(n, key);
    if (d !== undefined) counts.set(d, 0);
  }
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  for (const p of placed) {
    if (
      p === pod ||
      p.metadata.namespace !== pod.metadata.namespace ||
      !matchesSelector(c.labelSelector, p.metadata.labels)
    )
      continue;
    const d = domainOf(byName.get(p.spec.nodeName)!, key);
    if (d !== undefined) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  const min = Math.min(...counts.values());
  return (counts.get(value) ?? 0) + 1 - min;
}

/** Lower is better: skew for every spread constraint, and preferred anti-affinity terms violated (by weight). */
export function interPodScore(pod: KubeObject, node: KubeObject, nodes: KubeObject[], pods: KubeObject[]): number {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const placed = pods.filter((p) => p.spec?.nodeName && byName.has(p.spec.nodeName));
  let score = 0;
  for (const c of pod.spec?.topologySpreadConstraints ?? []) score += skewAfter(c, pod, node, nodes, placed) * 100;
  for (const w of pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    if (sameDomain(w.podAffinityTerm, node, termPods(w.podAffinityTerm, pod, placed), byName)) score += w.weight ?? 1;
  return score;
}
