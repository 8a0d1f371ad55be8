import type { KubeObject } from '../../lib/kube-object.ts';
import { podRequests } from '../../lib/pod-requests.ts';
import { cpuMillis, parseQuantity } from '../../lib/quantity.ts';

/**
 * The default scheduler's filter plugins, in their order (NodeUnschedulable, TaintToleration,
 * NodeAffinity, NodeResourcesFit). Each returns the reasons a node fails, worded as the real
 * plugins word them; the first failing plugin decides, as in the framework.
 */
export function nodeFailures(
  pod: KubeObject,
  node: KubeObject,
  podsOnNode: KubeObject[],
): { reasons: string[]; resources: boolean } {
  const spec = pod.spec ?? {};
  const tolerations: any[] = spec.tolerations ?? [];
  if (
    node.spec?.unschedulable &&
    !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })
  ) {
    return { reasons: ['node(s) were unschedulable'], resources: false };
  }
  const taint = (node.spec?.taints ?? []).find(
    (t: any) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t),
  );
  if (taint)
    return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], resources: false };
  if (!matchesNodeSelector(spec, node.metadata.labels ?? {}))
    return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resources: false };
  const insufficient = resourceFit(pod, node, podsOnNode);
  return { reasons: insufficient, resources: insufficient.length > 0 };
}

function tolerates(tolerations: any[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function matchesNodeSelector(spec: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms: any[] | undefined =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  return terms.some((term) => (term.matchExpressions ?? []).every((e: any) => expressionMatches(e, labels)));
}

function expressionMatches(
  e: { key: string; operator: string; values?: string[] },
  labels: Record<string, string>,
): boolean {
  const v = labels[e.key];
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(values[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(values[0]);
    default:
      return false;
  }
}

function resourceFit(pod: KubeObject, node: KubeObject, podsOnNode: KubeObject[]): string[] {
  const alloc = node.status?.allocatable ?? {};
  const live = podsOnNode.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const used = live
    .map(podRequests)
    .reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), { cpu: 0, memory: 0 });
  const want = podRequests(pod);
  const reasons: string[] = [];
  const maxPods = parseQuantity(alloc.pods);
  if (maxPods !== undefined && live.length + 1 > maxPods) reasons.push('Too many pods');
  const cpu = cpuMillis(alloc.cpu);
  if (cpu !== undefined && want.cpu > 0 && used.cpu + want.cpu > cpu) reasons.push('Insufficient cpu');
  const memory = parseQuantity(alloc.memory);
  if (memory !== undefined && want.memory > 0 && used.memory + want.memory > memory)
    reasons.push('Insufficient memory');
  return reasons;
}
