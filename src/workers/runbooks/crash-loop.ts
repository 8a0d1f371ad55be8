import type { PodSummary } from '../../analyzers/pod-health.ts';
import type { RolloutHistory } from '../../analyzers/rollout.ts';
import type { Finding, WorkerContext } from '../worker.ts';
import { keyLogLines } from './evidence.ts';
import type { Candidate } from './failing-workloads.ts';

/** Diagnoses the top candidate's pods from status, previous logs and events. */
export async function diagnoseWorkload(ctx: WorkerContext, candidate: Candidate): Promise<{ finding: Finding; pod: PodSummary }> {
  const pod = candidate.pods.sort((a, b) => b.diagnosis.severity - a.diagnosis.severity || b.restarts - a.restarts)[0]!;
  const ns = pod.namespace;
  ctx.emit({ type: 'step', data: { message: `Inspecting pod ${ns}/${pod.name} (${pod.diagnosis.detail})` } });
  const detail = await ctx.callTool<any>('get_pod', { namespace: ns, name: pod.name });
  const container = detail.containers.find((c: any) => c.name === pod.diagnosis.container) ?? detail.containers[0];
  const last = container?.lastState?.terminated ?? container?.state?.terminated;
  const evidence: string[] = [];
  const state = container?.state?.waiting?.reason ?? (container?.state?.running ? 'Running' : 'Terminated');
  evidence.push(
    last
      ? `Container "${container.name}" (${container.image}) last terminated with exit code ${last.exitCode} (${last.reason}) at ${last.finishedAt}; restart count ${container.restartCount}; now ${state}`
      : `Container "${container?.name}" (${container?.image}): ${pod.diagnosis.detail}`,
  );
  if (last) {
    const logs = await ctx.callTool<{ text: string }>('pod_logs', { namespace: ns, name: pod.name, container: container.name, previous: true, tailLines: 40 }).catch(() => undefined);
    const lines = logs ? keyLogLines(logs.text) : [];
    if (lines.length) evidence.push(`Previous container log: ${lines.map((l) => `"${l}"`).join(' / ')}`);
  }
  const events = await ctx.callTool<any[]>('object_events', { namespace: ns, kind: 'Pod', name: pod.name });
  for (const e of events.filter((x) => x.type === 'Warning').slice(0, 2)) evidence.push(`Event ${e.reason} (x${e.count}): ${e.message}`);
  const category = pod.diagnosis.category;
  const what = category === 'oom_killed' ? 'is being OOMKilled' : category === 'crash_loop' ? 'is crash-looping' : `is failing (${category})`;
  const finding: Finding = {
    category,
    summary: `${candidate.workload.kind} ${ns}/${candidate.workload.name} ${what} (${candidate.pods.length} unhealthy pod${candidate.pods.length === 1 ? '' : 's'})`,
    object: candidate.workload,
    evidence,
  };
  return { finding, pod };
}

export interface RemediationChoice {
  tool: 'rollout_undo' | 'rollout_restart';
  input: Record<string, unknown>;
  why: string;
}

/**
 * rollout_undo when the failure began with the current revision and the previous revision was
 * healthy (its pods still serve during a stuck rolling update, or the rollout never completed);
 * otherwise rollout_restart.
 */
export function chooseRemediation(candidate: Candidate, history: RolloutHistory): RemediationChoice {
  const { namespace, name } = { namespace: candidate.workload.namespace!, name: candidate.workload.name };
  const current = history.revisions.find((r) => r.current);
  const previous = history.revisions.find((r) => r.revision < history.currentRevision);
  const onlyNewFails = current !== undefined && candidate.pods.every((p) => p.owner?.name === current.replicaSet);
  const previousHealthy = previous !== undefined && (previous.available > 0 || !history.status.done);
  const imagesDiffer = previous !== undefined && current !== undefined && previous.images.join() !== current.images.join();
  if (onlyNewFails && previousHealthy && previous) {
    const why = `the failures started with revision ${history.currentRevision} (${current!.images.join(', ')}) while revision ${previous.revision} (${previous.images.join(', ')}) ${previous.available > 0 ? `still has ${previous.available}/${previous.replicas} pods available` : 'was serving before the rollout'}${imagesDiffer ? '' : ' (same images: the change is in the pod template)'}`;
    return { tool: 'rollout_undo', input: { namespace, name, toRevision: previous.revision, reason: why }, why };
  }
  const why = previous ? `the previous revision is not known to be healthy (${previous.available}/${previous.replicas} available), so rolling back is not clearly safer than restarting` : 'there is no earlier revision to roll back to';
  return { tool: 'rollout_restart', input: { namespace, kind: 'Deployment', name, reason: why }, why };
}
