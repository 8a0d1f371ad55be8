import { z } from 'zod';
import type { RepoConfig } from '../../config/config.ts';
import type { ModelClient, ModelMessage, ModelTool, UserPart } from '../../models/model.ts';
import { TOOLS } from '../../tools/registry.ts';
import { modelTools, REPORT_TOOL } from '../agent/model-tools.ts';
import { BudgetExhausted, Nudge, type WorkerContext } from '../worker.ts';
import type { CodingSession, TurnResult } from './coding-session.ts';
import { isRepoTool, REPO_TOOLS, runRepoTool } from './repo-tools.ts';
import { answerVocabulary, describeForAgent } from './vocabulary-mcp.ts';

const MAX_TOKENS = 8192;
/** The vocabulary as schemas the model reads (converted once), without the investigations' `report`. */
const VOCABULARY = TOOLS.filter((t) => t.input instanceof z.ZodObject);

/**
 * ClusterClaw's own coding loop, for any model endpoint the investigations can use (Anthropic,
 * OpenAI, self-hosted Hermes and other OpenAI-compatible servers): the model edits the clone
 * through the repository tools and reaches the cluster through the vocabulary (reads fenced,
 * writes only proposed). The conversation is kept across turns, so CI's failures and nudges
 * continue it. It runs in ClusterClaw's process: the key never leaves it, and usage is metered
 * into the run's budget like any model worker's.
 */
export function builtinSession(opts: {
  ctx: WorkerContext;
  model: ModelClient;
  repo: RepoConfig;
  clone: string;
  env: Record<string, string>;
  proposed: string[];
  system: string;
}): CodingSession {
  const { ctx, model } = opts;
  const tools: ModelTool[] = [
    ...REPO_TOOLS,
    ...modelTools(VOCABULARY)
      .filter((t) => t.name !== REPORT_TOOL)
      .map((t) => ({ ...t, description: describeForAgent(VOCABULARY.find((v) => v.name === t.name)!) })),
  ];
  const transcript: ModelMessage[] = [];
  return {
    async turn(message: string, signal?: AbortSignal): Promise<TurnResult> {
      transcript.push({ role: 'user', content: [{ type: 'text', text: message }] });
      const turnSignal = signal ?? ctx.signal;
      try {
        for (;;) {
          const spent = ctx.budgetExhausted();
          if (spent) return { ok: false, summary: '', error: `the run's budget is spent: ${spent}` };
          const reply = await model.turn({
            system: opts.system,
            messages: transcript,
            tools,
            maxTokens: MAX_TOKENS,
            signal: turnSignal,
            onText: () => ctx.heartbeat(),
          });
          ctx.recordUsage(reply.usage);
          transcript.push({
            role: 'assistant',
            content: [
              ...(reply.text ? [{ type: 'text' as const, text: reply.text }] : []),
              ...reply.toolCalls.map((c) => ({ type: 'tool_call' as const, id: c.id, name: c.name, input: c.input })),
            ],
          });
          if (reply.text.trim()) ctx.emit({ type: 'step', data: { message: reply.text.trim().slice(0, 500) } });
          if (!reply.toolCalls.length) return { ok: true, summary: reply.text.trim() };
          const results: UserPart[] = [];
          for (const call of reply.toolCalls) {
            const input = (call.input ?? {}) as Record<string, unknown>;
            const label = isRepoTool(call.name) ? repoLabel(call.name, input) : call.name;
            ctx.emit({ type: 'tool_call', data: { tool: `builtin:${call.name}`, input: brief(input), label } });
            const a = call.inputError
              ? { text: `error: ${call.inputError}`, isError: true }
              : isRepoTool(call.name)
                ? await runRepoTool(
                    opts.clone,
                    {
                      commands: opts.repo.agentCommands,
                      env: opts.env,
                      timeoutMs: opts.repo.ciTimeoutSeconds * 1000,
                      signal: turnSignal,
                    },
                    call.name,
                    input,
                  )
                : await answerVocabulary(ctx, opts.proposed, call.name, input);
            ctx.emit({
              type: 'tool_result',
              data: {
                tool: `builtin:${call.name}`,
                ok: !a.isError,
                summary: a.isError ? a.text.slice(0, 250) : `${a.text.split('\n').length} lines`,
              },
            });
            results.push({ type: 'tool_result', toolCallId: call.id, content: a.text, isError: a.isError });
          }
          transcript.push({ role: 'user', content: results });
        }
      } catch (e) {
        if (signal?.aborted && signal.reason instanceof Nudge && !ctx.signal.aborted) {
          closeDangling(transcript);
          return { ok: false, summary: '', nudged: signal.reason.context };
        }
        if (e instanceof BudgetExhausted)
          return { ok: false, summary: '', error: `the run's budget is spent: ${e.message}` };
        if (ctx.signal.aborted) throw e;
        return { ok: false, summary: '', error: `${model.id} failed: ${(e as Error).message.slice(0, 300)}` };
      }
    },
    async close() {},
  };
}

/** A nudge can land between a model's tool calls and their results: answer them, so the next turn is valid. */
function closeDangling(transcript: ModelMessage[]): void {
  const last = transcript.at(-1);
  if (last?.role !== 'assistant') return;
  const calls = last.content.filter((p) => p.type === 'tool_call');
  if (calls.length)
    transcript.push({
      role: 'user',
      content: calls.map((c) => ({ type: 'tool_result', toolCallId: c.id, content: 'interrupted', isError: true })),
    });
}

function repoLabel(name: string, input: Record<string, unknown>): string {
  if (name === 'run_command') return `Run: ${String(input.command ?? '').slice(0, 120)}`;
  const verb = { list_files: 'List', read_file: 'Read', search: 'Search', edit_file: 'Edit', write_file: 'Write' }[
    name
  ];
  return `${verb ?? name} ${String(input.path ?? input.text ?? '.').slice(0, 120)}`;
}

/** What a call was about, without file contents. */
function brief(input: Record<string, unknown>): Record<string, unknown> {
  const { content: _c, old_string: _o, new_string: _n, ...rest } = input;
  const json = JSON.stringify(rest);
  return json.length <= 500 ? rest : { input: `${json.slice(0, 499)}…` };
}
