import { describeKubeError } from '../../cluster/api-error.ts';
import { isCodedError } from '../../domain/errors.ts';
import type { Finding } from '../../domain/findings.ts';
import { refLabel } from '../../lib/kube-object.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import type { Checkpoint } from './resume.ts';

/**
 * Proposes one call of the vocabulary for a finding and pauses the run on it; or, when it is
 * refused (policy, scope, a plan the cluster rules out), says so in the thread and returns why.
 */
export async function proposeFix(
  ctx: WorkerContext,
  f: Finding,
  tool: string,
  input: Record<string, unknown>,
  headline: string,
): Promise<WorkerResult | string> {
  ctx.emit({ type: 'step', data: { message: `Proposing ${tool} for ${refLabel(f.object)}` } });
  try {
    const { proposal, plan } = await ctx.propose(tool, input);
    ctx.emit({
      type: 'proposal',
      data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
    });
    const paused: Checkpoint = { proposalId: proposal.id, finding: f, action: proposal.action };
    return { status: 'awaiting_approval', summary: `${headline}. Proposed: ${plan.summary}.`, checkpoint: paused };
  } catch (e) {
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    ctx.emit({ type: 'error', data: { message: `could not propose ${tool} for ${refLabel(f.object)}: ${message}` } });
    return message;
  }
}
