import type { FindingCategory } from '../domain/findings.ts';
import type { KubeObject } from '../lib/kube-object.ts';

export interface PodSummary {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  reason?: string;
  owner?: { kind: string; name: string };
  node?: string;
  ageSeconds: number;
  diagnosis: PodDiagnosis;
}

export interface PodDiagnosis {
  category: FindingCategory;
  /** 0 (healthy) … 3 (not serving at all); ranks candidates. */
  severity: number;
  container?: string;
  detail: string;
}

/** The one-line row `list_pods` returns, with a deterministic diagnosis. */
export function podSummary(pod: KubeObject, now: Date): PodSummary {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const ready = statuses.filter((s) => s.ready).length;
  const waiting = statuses.find((s) => s.state?.waiting)?.state.waiting.reason;
  const terminated = statuses.find((s) => s.state?.terminated)?.state.terminated.reason;
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  return {
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ready: `${ready}/${(pod.spec?.containers ?? []).length}`,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    reason: waiting ?? terminated,
    owner: owner ? { kind: owner.kind, name: owner.name } : undefined,
    node: pod.spec?.nodeName,
    ageSeconds: Math.max(
      0,
      Math.round((now.getTime() - Date.parse(pod.metadata.creationTimestamp ?? now.toISOString())) / 1000),
    ),
    diagnosis: diagnosePod(pod),
  };
}

const PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG = new Set(['CreateContainerConfigError', 'CreateContainerError']);

/** Why a pod is not healthy, from its status alone (no model): the first analyzer. */
export function diagnosePod(pod: KubeObject): PodDiagnosis {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  for (const s of statuses) {
    const waiting = s.state?.waiting;
    const last = s.lastState?.terminated ?? s.state?.terminated;
    if (last?.reason === 'OOMKilled') {
      return {
        category: 'oom_killed',
        severity: 3,
        container: s.name,
        detail: `container ${s.name} was OOMKilled (exit code ${last.exitCode}); restarted ${s.restartCount} times`,
      };
    }
    if (waiting && PULL.has(waiting.reason))
      return {
        category: 'image_pull',
        severity: 3,
        container: s.name,
        detail: `container ${s.name}: ${waiting.reason}: ${waiting.message ?? ''}`.trim(),
      };
    if (waiting && CONFIG.has(waiting.reason))
      return {
        category: 'config_missing',
        severity: 3,
        container: s.name,
        detail: `container ${s.name}: ${waiting.reason}: ${waiting.message ?? ''}`.trim(),
      };
    const spec = (pod.spec?.containers ?? []).find((c: any) => c.name === s.name) ?? {};
    if (last && last.exitCode === 137 && last.reason === 'Error' && spec.livenessProbe) {
      return {
        category: 'probe_failure',
        severity: 3,
        container: s.name,
        detail: `container ${s.name} is killed by its failing liveness probe (exit code 137); restarted ${s.restartCount} times`,
      };
    }
    if (
      waiting?.reason === 'CrashLoopBackOff' ||
      (last && last.exitCode !== 0 && pod.spec?.restartPolicy !== 'Never')
    ) {
      return {
        category: 'crash_loop',
        severity: 3,
        container: s.name,
        detail: `container ${s.name} exits with code ${last?.exitCode ?? '?'} (${last?.reason ?? 'Error'}); restarted ${s.restartCount} times`,
      };
    }
  }
  const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    const msg = String(scheduled.message ?? '');
    const resources = /Insufficient (cpu|memory)|Too many pods/i.test(msg);
    return { category: resources ? 'unschedulable_resources' : 'unschedulable_placement', severity: 2, detail: msg };
  }
  const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  if (pod.status?.phase === 'Running' && ready?.status !== 'True') {
    if (ready?.reason === 'NodeNotReady')
      return { category: 'node_not_ready', severity: 2, detail: `node ${pod.spec?.nodeName} is not ready` };
    const unready = statuses.find((s) => s.started && !s.ready);
    const probed = unready && (pod.spec?.containers ?? []).find((c: any) => c.name === unready.name)?.readinessProbe;
    if (probed)
      return {
        category: 'probe_failure',
        severity: 2,
        container: unready.name,
        detail: `container ${unready.name} is running but its readiness probe fails`,
      };
    return { category: 'unknown', severity: 1, detail: 'running but not ready' };
  }
  const creating = statuses.find((s) => s.state?.waiting?.reason === 'ContainerCreating');
  if (creating && pod.status?.phase === 'Pending')
    return {
      category: 'unknown',
      severity: 2,
      container: creating.name,
      detail: `container ${creating.name} is stuck in ContainerCreating`,
    };
  // An evicted pod is a leftover: its controller has already replaced it. The node's pressure is the story.
  if (pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted')
    return { category: 'unknown', severity: 1, detail: `evicted: ${pod.status?.message ?? ''}`.trim() };
  if (pod.status?.phase === 'Failed')
    return { category: 'unknown', severity: 2, detail: `pod failed: ${pod.status?.reason ?? ''}` };
  return { category: 'healthy', severity: 0, detail: 'running and ready' };
}
