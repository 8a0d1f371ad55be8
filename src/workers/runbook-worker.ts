import { ProposalRefused } from '../approvals/propose.ts';
import type { PodSummary } from '../analyzers/pod-health.ts';
import type { RolloutHistory } from '../analyzers/rollout.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import { chooseRemediation, diagnoseWorkload } from './runbooks/crash-loop.ts';
import { failingWorkloads } from './runbooks/failing-workloads.ts';
import type { Finding, Worker, WorkerContext, WorkerResult } from './worker.ts';

interface Checkpoint {
  proposalId: string;
  finding: Finding;
  action: string;
}

/** Deterministic investigation and remediation; needs no model. */
export const runbookWorker: Worker = {
  id: 'runbooks',
  async run(ctx) {
    const checkpoint = ctx.checkpoint as Checkpoint | undefined;
    return checkpoint?.proposalId ? resume(ctx, checkpoint) : investigate(ctx);
  },
};

async function investigate(ctx: WorkerContext): Promise<WorkerResult> {
  const ns = ctx.task.namespace ?? undefined;
  ctx.emit({ type: 'step', data: { message: `Looking for failing workloads in ${ns ? `namespace ${ns}` : 'every namespace'}` } });
  const pods = await ctx.callTool<PodSummary[]>('list_pods', ns ? { namespace: ns } : {});
  const candidates = failingWorkloads(pods, ctx.task.question);
  if (candidates.length === 0) {
    const summary = `No failing pods in ${ns ? `namespace ${ns}` : 'any namespace'}: all ${pods.length} pods are running and ready.`;
    ctx.emit({ type: 'finding', data: { category: 'healthy', summary, object: { kind: 'Namespace', name: ns ?? '*' }, evidence: [`${pods.length} pods checked, none unhealthy`] } });
    return { status: 'succeeded', summary };
  }
  const top = candidates[0]!;
  const others = candidates.slice(1).map((c) => `${c.workload.namespace}/${c.workload.name}`);
  ctx.emit({ type: 'step', data: { message: `Most likely culprit: ${top.workload.kind} ${top.workload.namespace}/${top.workload.name} (${top.pods.length} unhealthy pod${top.pods.length === 1 ? '' : 's'})${others.length ? `; also unhealthy: ${others.join(', ')}` : ''}` } });
  const { finding } = await diagnoseWorkload(ctx, top);
  if (top.workload.kind !== 'Deployment') {
    ctx.emit({ type: 'finding', data: finding });
    return { status: 'escalated', summary: `${finding.summary}. No remediation for a ${top.workload.kind} is in the vocabulary yet: a human needs to act.` };
  }
  const history = await ctx.callTool<RolloutHistory>('rollout_history', { namespace: top.workload.namespace, deployment: top.workload.name });
  const current = history.revisions.find((r) => r.current);
  const previous = history.revisions.find((r) => r.revision < history.currentRevision);
  if (current) finding.evidence.push(`Revision ${current.revision} (${current.images.join(', ')}): ${current.available}/${current.replicas} available${previous ? `; revision ${previous.revision} (${previous.images.join(', ')}): ${previous.available}/${previous.replicas} available` : ''}; ${history.status.message}`);
  ctx.emit({ type: 'finding', data: finding });
  const choice = chooseRemediation(top, history);
  if (finding.category !== 'crash_loop' && choice.tool !== 'rollout_undo') {
    return { status: 'escalated', summary: `${finding.summary}. A restart would not fix ${finding.category}, and no earlier healthy revision is known: a human needs to act.` };
  }
  ctx.emit({ type: 'step', data: { message: `Proposing ${choice.tool}: ${choice.why}` } });
  try {
    const { proposal, plan } = await ctx.propose(choice.tool, choice.input);
    ctx.emit({ type: 'proposal', data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary } });
    return { status: 'awaiting_approval', summary: `${finding.summary}. Proposed: ${plan.summary}.`, checkpoint: { proposalId: proposal.id, finding, action: proposal.action } satisfies Checkpoint };
  } catch (e) {
    const message = e instanceof ProposalRefused ? e.message : describeKubeError(e);
    ctx.emit({ type: 'error', data: { message: `could not propose ${choice.tool}: ${message}` } });
    return { status: 'escalated', summary: `${finding.summary}. The remediation (${choice.tool}) could not be proposed: ${message}` };
  }
}

async function resume(ctx: WorkerContext, cp: Checkpoint): Promise<WorkerResult> {
  const p = await ctx.getProposal(cp.proposalId);
  if (!p) return { status: 'failed', summary: `proposal ${cp.proposalId} disappeared` };
  const outcome = (p.outcome ?? {}) as { applied?: boolean; verified?: boolean; message?: string; stale?: boolean };
  const target = `${(p.target as { namespace?: string }).namespace}/${(p.target as { name: string }).name}`;
  switch (p.status) {
    case 'executed':
      return { status: 'succeeded', summary: `${cp.finding.summary}. Applied ${p.action} to ${target} and verified: ${outcome.message}.` };
    case 'failed':
      return {
        status: 'escalated',
        summary: outcome.applied
          ? `${cp.finding.summary}. Applied ${p.action} to ${target}, but the outcome did not verify: ${outcome.message}. A human should look now.`
          : `${cp.finding.summary}. ${p.action} was approved but not applied: ${outcome.message}.`,
      };
    case 'rejected':
    case 'expired':
    case 'superseded':
      return { status: 'succeeded', summary: `${cp.finding.summary}. The proposed ${p.action} was ${p.status}; no change was made to the cluster.` };
    default:
      return { status: 'awaiting_approval', summary: `waiting for a decision on ${p.id} (${p.status})`, checkpoint: cp };
  }
}
