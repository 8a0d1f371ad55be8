import type { PodSummary } from '../../analyzers/pod-health.ts';
import type { ObjectRef } from '../../tools/define-tool.ts';

export interface Candidate {
  workload: ObjectRef;
  /** Owner ReplicaSet when the workload is a Deployment (ReplicaSet names are <deployment>-<hash>). */
  replicaSet?: string;
  pods: PodSummary[];
  score: number;
}

/**
 * Groups unhealthy pods by the workload that owns them and ranks the groups: how badly they
 * fail first, then how well the question's words match. The question only ranks: a workload
 * with no failing pods is never a candidate, whatever the question says.
 */
export function failingWorkloads(pods: PodSummary[], question: string): Candidate[] {
  const words = new Set(question.toLowerCase().split(/[^a-z0-9-]+/).filter((w) => w.length >= 2));
  const groups = new Map<string, Candidate>();
  for (const pod of pods) {
    if (pod.diagnosis.severity === 0) continue;
    const { workload, replicaSet } = workloadOf(pod);
    const key = `${workload.kind}/${workload.namespace}/${workload.name}`;
    const c = groups.get(key) ?? { workload, replicaSet, pods: [], score: 0 };
    c.pods.push(pod);
    groups.set(key, c);
  }
  for (const c of groups.values()) {
    const severity = Math.max(...c.pods.map((p) => p.diagnosis.severity));
    const restarts = c.pods.reduce((n, p) => n + p.restarts, 0);
    const mentions = [c.workload.name, c.workload.namespace ?? '', ...c.workload.name.split('-')].filter((w) => words.has(w.toLowerCase())).length;
    c.score = severity * 100 + mentions * 40 + Math.min(restarts, 20) + c.pods.length;
  }
  return [...groups.values()].sort((a, b) => b.score - a.score);
}

function workloadOf(pod: PodSummary): { workload: ObjectRef; replicaSet?: string } {
  const owner = pod.owner;
  if (owner?.kind === 'ReplicaSet') {
    const m = /^(.*)-[a-z0-9]{5,10}$/.exec(owner.name);
    if (m) return { workload: { kind: 'Deployment', namespace: pod.namespace, name: m[1]! }, replicaSet: owner.name };
    return { workload: { kind: 'ReplicaSet', namespace: pod.namespace, name: owner.name } };
  }
  if (owner) return { workload: { kind: owner.kind, namespace: pod.namespace, name: owner.name } };
  return { workload: { kind: 'Pod', namespace: pod.namespace, name: pod.name } };
}
