import { describeKubeError } from '../../cluster/api-error.ts';
import { isCodedError, ModelUnavailable, ProposalRefused } from '../../domain/errors.ts';
import type { ModelTurn } from '../../models/model.ts';
import { findTool } from '../../tools/registry.ts';
import { renderForModel } from '../../tools/run-read-tool.ts';
import { BudgetExhausted, type WorkerContext, WorkerDeclined, type WorkerResult } from '../worker.ts';
import { REPORT_TOOL, Report } from './model-tools.ts';

type ToolCall = ModelTurn['toolCalls'][number];

/** What one of the model's tool calls came to. */
export type CallOutcome =
  /** A tool result for the model (a read's data, or an error it can act on). */
  | { kind: 'answer'; content: string; isError: boolean }
  /** The model reported: the run ends with its findings. */
  | { kind: 'report'; result: WorkerResult }
  /** A write became a pending proposal: the run pauses until a human decides. */
  | { kind: 'proposed'; proposalId: string; summary: string };

const answer = (content: string, isError = false): CallOutcome => ({ kind: 'answer', content, isError });

/**
 * Answers one tool call: the `report`, a read (its data fenced as untrusted, with the trimming
 * note), or a write, planned and turned into a proposal — never executed here.
 */
export async function answerCall(ctx: WorkerContext, call: ToolCall): Promise<CallOutcome> {
  if (call.inputError) return answer(`error: ${call.inputError}`, true);
  if (call.name === REPORT_TOOL) {
    const report = Report.safeParse(call.input);
    if (!report.success)
      return answer(
        `error: the report does not match its schema: ${report.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
        true,
      );
    for (const f of report.data.findings) ctx.emit({ type: 'finding', data: f });
    return { kind: 'report', result: { status: 'succeeded', summary: report.data.summary } };
  }
  const tool = findTool(call.name);
  if (!tool) return answer(`error: there is no tool "${call.name}"`, true);
  if (tool.effect === 'read') {
    try {
      // The trimming note travels with the data: the model learns how to narrow, not a silent cut.
      return answer(renderForModel(await ctx.readTool(call.name, call.input as Record<string, unknown>)));
    } catch (e) {
      if (e instanceof ModelUnavailable || e instanceof BudgetExhausted || ctx.signal.aborted) throw e;
      return answer(`error: ${(e as Error).message}`, true);
    }
  }
  try {
    const { proposal, plan } = await ctx.propose(call.name, { ...(call.input as object) });
    ctx.emit({
      type: 'proposal',
      data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
    });
    return { kind: 'proposed', proposalId: proposal.id, summary: plan.summary };
  } catch (e) {
    if (e instanceof BudgetExhausted || ctx.signal.aborted) throw e;
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    // A live fix of what Argo CD or Flux applies belongs in Git: the runbooks take it there (a
    // deterministic edit through the gate, or a change task for the coding agents).
    if (e instanceof ProposalRefused && e.rule === 'gitops-owned')
      throw new WorkerDeclined(`${message}; the runbooks take the fix to Git`);
    // What cannot be verified is never shown as a proposal; the thread says why.
    ctx.emit({ type: 'error', data: { message: `could not propose ${call.name}: ${message}` } });
    return answer(`error: the proposal was refused: ${message}`, true);
  }
}
