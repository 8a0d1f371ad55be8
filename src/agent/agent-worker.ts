import { ProposalRefused } from '../approvals/propose.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import { type AssistantPart, type ModelClient, type ModelMessage, ModelUnavailable, type UserPart } from '../models/model.ts';
import type { Proposal } from '../store/schema.ts';
import { PlanError } from '../tools/define-tool.ts';
import { TOOLS, findTool } from '../tools/registry.ts';
import { renderForModel } from '../tools/run-read-tool.ts';
import type { Worker, WorkerContext, WorkerResult } from '../workers/worker.ts';
import { REPORT_TOOL, Report, modelTools } from './model-tools.ts';
import { systemPrompt } from './prompt.ts';

interface Checkpoint {
  /** The supervisor settles (executes) this proposal before resuming the run. */
  proposalId?: string;
  transcript: ModelMessage[];
  /** The write tool call waiting for a human decision. */
  pending?: { toolCallId: string; proposalId: string };
}

const MAX_TURNS = 16;
const MAX_TOKENS = 4096;

/**
 * The agent loop over any model: the model asks for tools; reads run (fenced as untrusted data),
 * writes become proposals and the run pauses until a human decides; the transcript is the
 * checkpoint, so any process can resume it. It ends when the model calls `report`.
 */
export function agentWorker(model: ModelClient): Worker {
  return {
    id: model.id,
    async run(ctx) {
      const cp = ctx.checkpoint as Checkpoint | undefined;
      const transcript: ModelMessage[] = cp?.transcript ?? [{ role: 'user', content: [{ type: 'text', text: ctx.task.question || 'Find what is failing and why.' }] }];
      if (cp?.pending) transcript.push({ role: 'user', content: [{ type: 'tool_result', toolCallId: cp.pending.toolCallId, content: decisionText(await ctx.getProposal(cp.pending.proposalId)) }] });
      return loop(ctx, model, transcript);
    },
  };
}

async function loop(ctx: WorkerContext, model: ModelClient, transcript: ModelMessage[]): Promise<WorkerResult> {
  const tools = modelTools(TOOLS);
  const system = systemPrompt(ctx.task, ctx.tools.reader.cluster);
  for (let i = 0; i < MAX_TURNS; i++) {
    const turn = await model.turn({ system, messages: transcript, tools, maxTokens: MAX_TOKENS, signal: ctx.signal });
    const assistant: AssistantPart[] = [...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []), ...turn.toolCalls.map((c) => ({ type: 'tool_call' as const, id: c.id, name: c.name, input: c.input }))];
    transcript.push({ role: 'assistant', content: assistant });
    if (turn.text.trim()) ctx.emit({ type: 'step', data: { message: turn.text.trim().slice(0, 500) } });
    if (turn.toolCalls.length === 0) return { status: 'escalated', summary: turn.text.trim() || 'the model stopped without a report' };
    const results: UserPart[] = [];
    for (const call of turn.toolCalls) {
      const result = (content: string, isError = false) => results.push({ type: 'tool_result', toolCallId: call.id, content, isError });
      if (call.inputError) {
        result(`error: ${call.inputError}`, true);
        continue;
      }
      if (call.name === REPORT_TOOL) {
        const report = Report.safeParse(call.input);
        if (!report.success) {
          result(`error: the report does not match its schema: ${report.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`, true);
          continue;
        }
        for (const f of report.data.findings) ctx.emit({ type: 'finding', data: f });
        return { status: 'succeeded', summary: report.data.summary };
      }
      const tool = findTool(call.name);
      if (!tool) {
        result(`error: there is no tool "${call.name}"`, true);
        continue;
      }
      if (tool.effect === 'read') {
        try {
          // The trimming note travels with the data: the model learns how to narrow, not a silent cut.
          result(renderForModel(await ctx.readTool(call.name, call.input as Record<string, unknown>)));
        } catch (e) {
          if (e instanceof ModelUnavailable || ctx.signal.aborted) throw e;
          result(`error: ${(e as Error).message}`, true);
        }
        continue;
      }
      try {
        const { proposal, plan } = await ctx.propose(call.name, { ...(call.input as object) });
        ctx.emit({ type: 'proposal', data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary } });
        // Calls after the write in the same turn are not run: the decision comes first.
        transcript.push({ role: 'user', content: results });
        return { status: 'awaiting_approval', summary: `Proposed: ${plan.summary}`, checkpoint: { proposalId: proposal.id, transcript, pending: { toolCallId: call.id, proposalId: proposal.id } } satisfies Checkpoint };
      } catch (e) {
        const message = e instanceof ProposalRefused || e instanceof PlanError ? e.message : describeKubeError(e);
        result(`error: the proposal was refused: ${message}`, true);
      }
    }
    transcript.push({ role: 'user', content: results });
  }
  return { status: 'escalated', summary: `no report after ${MAX_TURNS} model turns; what was found is in the thread` };
}

/** What the model is told after a human decided on its proposal. */
function decisionText(p: Proposal | undefined): string {
  if (!p) return 'error: the proposal no longer exists';
  const outcome = (p.outcome ?? {}) as { applied?: boolean; verified?: boolean; message?: string };
  if (p.status === 'executed') return `approved and executed; verified: ${outcome.message}`;
  if (p.status === 'failed') return `approved but ${outcome.applied ? `applied without verifying: ${outcome.message}` : `not applied: ${outcome.message}`}`;
  return `the proposal was ${p.status}; nothing was changed`;
}
