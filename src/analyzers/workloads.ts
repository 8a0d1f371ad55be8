import type { FindingCategory } from '../domain/findings.ts';
import { controllerOf, isNodeReady, type KubeObject } from '../lib/kube-object.ts';
import { diagnosePod } from './pod-health.ts';
import type { RevisionFacts } from './problem-facts.ts';
import { REVISION } from './rollout.ts';
import { parseFailedScheduling, unmetPlacementTerms } from './scheduling.ts';
import { type ClusterSnapshot, type Problem, type ProblemObject, refKey, warningsFor } from './snapshot.ts';

interface PodVerdict {
  pod: KubeObject;
  category: FindingCategory;
  severity: number;
  container?: string;
  detail: string;
}

/**
 * Unhealthy pods grouped by the workload that owns them (Deployment through its ReplicaSet,
 * StatefulSet, DaemonSet), each group one problem with the worst pod's category. Pods stuck
 * because of a node or a claim are kept as low-severity symptoms: those analyzers own the cause.
 */
export function analyzeWorkloads(s: ClusterSnapshot): Problem[] {
  const groups = new Map<string, { object: ProblemObject; verdicts: PodVerdict[] }>();
  for (const pod of s.pods) {
    const v = podVerdict(s, pod);
    if (v.severity === 0) continue;
    const object = workloadOf(s, pod);
    if (object.kind === 'Job') continue; // the job analyzer reports finished failures; retries are expected
    const g = groups.get(refKey(object)) ?? { object, verdicts: [] };
    g.verdicts.push(v);
    groups.set(refKey(object), g);
  }
  const problems = [...groups.values()].map(({ object, verdicts }) => problemFor(s, object, verdicts));
  for (const d of s.deployments) {
    const key = refKey({ kind: 'Deployment', namespace: d.metadata.namespace, name: d.metadata.name });
    const progressing = (d.status?.conditions ?? []).find((c: any) => c.type === 'Progressing');
    if (progressing?.reason !== 'ProgressDeadlineExceeded') continue;
    const existing = problems.find((p) => refKey(p.object) === key);
    const line = `Deployment condition Progressing=False (ProgressDeadlineExceeded): ${progressing.message}`;
    if (existing && existing.category !== 'unknown') existing.evidence.push(line);
    else if (existing)
      Object.assign(existing, {
        category: 'rollout_stuck',
        severity: 3,
        summary: `Deployment ${d.metadata.namespace}/${d.metadata.name} rollout is stuck: ${progressing.message}`,
        evidence: [line, ...existing.evidence],
      });
    else
      problems.push({
        category: 'rollout_stuck',
        severity: 2,
        object: { kind: 'Deployment', namespace: d.metadata.namespace, name: d.metadata.name },
        summary: `Deployment ${d.metadata.namespace}/${d.metadata.name} rollout is stuck`,
        evidence: [line],
        facts: revisionFacts(s, d, []),
      });
  }
  return problems;
}

function podVerdict(s: ClusterSnapshot, pod: KubeObject): PodVerdict {
  const dx = diagnosePod(pod);
  const ns = pod.metadata.namespace;
  const base = { pod, category: dx.category, severity: dx.severity, container: dx.container, detail: dx.detail };
  if (dx.category === 'node_not_ready') return { ...base, severity: 1 };
  if (dx.category === 'unschedulable_resources' || dx.category === 'unschedulable_placement') {
    const parsed = parseFailedScheduling(dx.detail);
    if (parsed?.kind === 'volumes') return { ...base, category: 'pvc_pending', severity: 1 };
    return base;
  }
  if (dx.detail.includes('ContainerCreating')) {
    const mount = s.events.find(
      (e: any) =>
        e.reason === 'FailedMount' &&
        e.involvedObject?.name === pod.metadata.name &&
        e.involvedObject?.namespace === ns,
    );
    if (mount && / not found$/.test(String(mount.message)))
      return { ...base, category: 'config_missing', severity: 3, detail: `FailedMount: ${mount.message}` };
  }
  return base;
}

export function workloadOf(s: ClusterSnapshot, pod: KubeObject): ProblemObject {
  const ns = pod.metadata.namespace;
  const owner = controllerOf(pod);
  if (!owner) return { kind: 'Pod', namespace: ns, name: pod.metadata.name };
  if (owner.kind === 'ReplicaSet') {
    const rs = s.replicaSets.find(
      (r) => r.metadata.uid === owner.uid || (r.metadata.name === owner.name && r.metadata.namespace === ns),
    );
    const d = rs && controllerOf(rs);
    if (d?.kind === 'Deployment') return { kind: 'Deployment', namespace: ns, name: d.name };
  }
  return { kind: owner.kind, namespace: ns, name: owner.name };
}

const WHAT: Partial<Record<FindingCategory, string>> = {
  crash_loop: 'is crash-looping',
  oom_killed: 'is being OOMKilled',
  image_pull: 'cannot pull its image',
  config_missing: 'is missing configuration it references',
  unschedulable_resources: 'cannot be scheduled: not enough resources',
  unschedulable_placement: 'cannot be scheduled: no node matches its placement rules',
  probe_failure: 'is failing its probes',
  pvc_pending: 'is waiting for a volume claim',
  node_not_ready: 'has pods on a NotReady node',
};

function problemFor(s: ClusterSnapshot, object: ProblemObject, verdicts: PodVerdict[]): Problem {
  const worst = [...verdicts].sort((a, b) => b.severity - a.severity || restarts(b.pod) - restarts(a.pod))[0]!;
  const pod = worst.pod;
  const ns = pod.metadata.namespace;
  const c = (pod.spec?.containers ?? []).find((x: any) => x.name === worst.container) ?? pod.spec?.containers?.[0];
  const status = (pod.status?.containerStatuses ?? []).find((x: any) => x.name === c?.name);
  const last = status?.lastState?.terminated ?? status?.state?.terminated;
  const now = status?.state?.waiting?.reason ?? (status?.state?.running ? 'Running' : undefined);
  const evidence = last
    ? [
        `Pod ${ns}/${pod.metadata.name}, container "${c.name}" (${c.image}): last terminated with exit code ${last.exitCode} (${last.reason}); restart count ${status.restartCount}${now ? `; now ${now}` : ''}`,
      ]
    : status?.state?.waiting?.message
      ? [
          `Pod ${ns}/${pod.metadata.name}, container "${c.name}" (${c.image}): ${status.state.waiting.reason}: ${status.state.waiting.message}`,
        ]
      : [`Pod ${ns}/${pod.metadata.name}: ${worst.detail}`];
  if (worst.category === 'probe_failure') evidence.push(worst.detail);
  if (worst.category === 'unschedulable_placement')
    evidence.push(...unmetPlacementTerms(pod, s.nodes).map((t) => `Pod ${ns}/${pod.metadata.name} ${t}`));
  if (worst.category === 'oom_killed')
    evidence.push(
      `Container "${c.name}" memory limit ${c.resources?.limits?.memory ?? 'none'}, request ${c.resources?.requests?.memory ?? 'none'}`,
    );
  // Events repeating what is already quoted add tokens, not evidence.
  evidence.push(
    ...warningsFor(s, 'Pod', pod.metadata.name, ns, 2).filter(
      (e) => !evidence.some((x) => x.includes(e.replace(/^Event \S+ \(x\d+\): /, ''))),
    ),
  );
  const owner =
    object.kind === 'Deployment'
      ? s.deployments.find((d) => d.metadata.name === object.name && d.metadata.namespace === ns)
      : undefined;
  const n = verdicts.length;
  // Every category a pod's diagnosis gives carries a workload's facts (problem-facts.ts).
  return {
    category: worst.category,
    severity: worst.severity,
    object,
    summary: `${object.kind} ${ns}/${object.name} ${WHAT[worst.category] ?? `is unhealthy (${worst.detail})`}${preciseCause(worst, c, status)} (${n} unhealthy pod${n === 1 ? '' : 's'})`,
    evidence,
    facts: {
      ...schedulingFacts(s, worst),
      pod: pod.metadata.name,
      container: c?.name,
      image: c?.image,
      limits: c?.resources?.limits ?? {},
      requests: c?.resources?.requests ?? {},
      pods: verdicts.slice(0, 5).map((v) => v.pod.metadata.name),
      ...(owner
        ? revisionFacts(
            s,
            owner,
            verdicts.map((v) => v.pod),
          )
        : {}),
    },
  } as Problem;
}

/** Whether the failure arrived with the current revision while an older one was healthy: the case for rolling back. */
/**
 * The detail an engineer acts on, in the finding's own sentence: the referenced object that does
 * not exist and the registry's answer (as the kubelet quotes them), the scheduler's reasons, the
 * memory limit that was exceeded.
 */
function preciseCause(worst: PodVerdict, c: any, status: any): string {
  const clip = (t: string) => (t.length > 240 ? `${t.slice(0, 237)}...` : t);
  const waiting = status?.state?.waiting?.message as string | undefined;
  if (worst.category === 'config_missing' || worst.category === 'image_pull')
    return `: ${clip(waiting || worst.detail)}`;
  if (worst.category === 'unschedulable_resources' || worst.category === 'unschedulable_placement')
    return `: ${clip(worst.detail)}`;
  if (worst.category === 'oom_killed' && c?.resources?.limits?.memory)
    return `: container "${c.name}" is killed at its ${c.resources.limits.memory} memory limit`;
  return '';
}

function revisionFacts(s: ClusterSnapshot, d: KubeObject, failing: KubeObject[]): RevisionFacts {
  const owned = s.replicaSets.filter((rs) =>
    rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid),
  );
  const current = Number(d.metadata.annotations?.[REVISION] ?? 0);
  const rev = (rs: KubeObject) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
  const cur = owned.find((rs) => rev(rs) === current);
  const previous = owned.filter((rs) => rev(rs) < current).sort((a, b) => rev(b) - rev(a))[0];
  const onlyNewFails =
    cur !== undefined && failing.every((p) => p.metadata.ownerReferences?.some((r) => r.uid === cur.metadata.uid));
  const done =
    (d.status?.updatedReplicas ?? 0) >= (d.spec?.replicas ?? 1) &&
    (d.status?.replicas ?? 0) === (d.status?.updatedReplicas ?? 0);
  return {
    currentRevision: current,
    previousRevision: previous ? rev(previous) : undefined,
    previousAvailable: previous?.status?.availableReplicas ?? 0,
    rolloutDone: done,
    onlyNewFails,
    strategy: d.spec?.strategy?.type ?? 'RollingUpdate',
    failureIsNewRevision:
      Boolean(previous) && onlyNewFails && ((previous?.status?.availableReplicas ?? 0) > 0 || !done),
  };
}

function restarts(pod: KubeObject): number {
  return (pod.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0);
}

/** For scheduling failures, how many nodes were merely cordoned (what an uncordon would fix). */
function schedulingFacts(s: ClusterSnapshot, v: PodVerdict): Record<string, unknown> {
  if (v.category !== 'unschedulable_placement' && v.category !== 'unschedulable_resources') return {};
  const parsed = parseFailedScheduling(v.detail);
  // The cordoned nodes that are otherwise healthy: uncordoning one of them is the whole fix.
  const cordonedReady = s.nodes.filter((n) => n.spec?.unschedulable && isNodeReady(n)).map((n) => n.metadata.name);
  return parsed ? { nodesTotal: parsed.total, nodesCordoned: parsed.cordoned, cordonedReadyNodes: cordonedReady } : {};
}
