import { type Options, query, type SDKMessage, type SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';
import type { RunEventInput } from '../../domain/run-events.ts';
import { Nudge } from '../worker.ts';
import type { CodingSession, TurnResult } from './coding-session.ts';
import type { ToolDecision } from './tool-permissions.ts';

/**
 * One Claude Code session through Anthropic's Agent SDK, driven in streaming-input mode: the first
 * message is the brief, later ones (CI's failures) go to the same live session, which keeps what
 * it read and did. Each turn ends with the SDK's `result` message. The CLI gets only the
 * environment given here, no settings of any user or project, and no MCP server we did not name.
 */
export function claudeSession(opts: {
  cwd: string;
  model: string;
  /** The whole environment of the CLI process (the SDK's `env` replaces the process's). */
  env: Record<string, string>;
  decide(tool: string, input: Record<string, unknown>): ToolDecision;
  emit(e: RunEventInput): void;
  heartbeat(): void;
  signal: AbortSignal;
  systemPrompt: string;
  mcpServers?: Options['mcpServers'];
  pathToExecutable?: string;
}): CodingSession {
  const inbox: SDKUserMessage[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  async function* prompt(): AsyncGenerator<SDKUserMessage> {
    while (!ended) {
      const next = inbox.shift();
      if (next) yield next;
      else await new Promise<void>((r) => (wake = r));
    }
  }
  const abort = new AbortController();
  opts.signal.addEventListener('abort', () => abort.abort(opts.signal.reason), { once: true });
  const q = query({
    prompt: prompt(),
    options: {
      cwd: opts.cwd,
      model: opts.model,
      env: opts.env,
      settingSources: [],
      strictMcpConfig: true,
      mcpServers: opts.mcpServers ?? {},
      permissionMode: 'default',
      systemPrompt: { type: 'preset', preset: 'claude_code', append: opts.systemPrompt },
      disallowedTools: ['WebFetch', 'WebSearch', 'AskUserQuestion', 'Task'],
      abortController: abort,
      persistSession: false,
      ...(opts.pathToExecutable ? { pathToClaudeCodeExecutable: opts.pathToExecutable } : {}),
      canUseTool: async (tool, input) => {
        const d = opts.decide(tool, input);
        opts.heartbeat();
        return d.allow ? { behavior: 'allow', updatedInput: input } : { behavior: 'deny', message: d.message };
      },
    },
  });
  const seen: SessionState = { tools: new Map(), cwd: opts.cwd };
  let turn: { resolve(r: TurnResult): void; nudged?: string } | undefined;
  // The session's messages become the run's events, whoever is waiting for a turn.
  const pump = (async () => {
    try {
      for await (const m of q) {
        opts.heartbeat();
        for (const e of claudeEvents(m, seen)) opts.emit(e);
        if (m.type === 'result') {
          // The turn a nudge interrupted ends here, whatever it says; the session carries on.
          if (turn?.nudged !== undefined) {
            turn.resolve({ ok: false, summary: '', nudged: turn.nudged });
            turn = undefined;
            continue;
          }
          const ok = m.subtype === 'success' && !m.is_error;
          turn?.resolve({
            ok,
            summary: m.subtype === 'success' ? m.result : '',
            error: ok
              ? undefined
              : `Claude Code ended its turn with ${m.subtype}${'errors' in m && m.errors?.length ? `: ${m.errors.join('; ')}` : ''}`,
            usage: { costUsd: m.total_cost_usd },
          });
          turn = undefined;
        }
      }
      turn?.resolve({ ok: false, summary: '', error: 'Claude Code stopped before it finished its turn' });
    } catch (e) {
      turn?.resolve({ ok: false, summary: '', error: `Claude Code failed: ${(e as Error).message}` });
    }
  })();
  return {
    turn(message: string, signal?: AbortSignal): Promise<TurnResult> {
      return new Promise((resolve) => {
        const current: NonNullable<typeof turn> = { resolve };
        turn = current;
        signal?.addEventListener(
          'abort',
          () => {
            if (!(signal.reason instanceof Nudge) || turn !== current) return;
            current.nudged = signal.reason.context;
            void q.interrupt().catch(() => {});
          },
          { once: true },
        );
        inbox.push({ type: 'user', message: { role: 'user', content: message }, parent_tool_use_id: null });
        wake?.();
      });
    },
    async close() {
      ended = true;
      wake?.();
      q.close();
      await pump.catch(() => {});
    },
  };
}

/** What a session's events need from its earlier messages: tool names by call id, and its clone. */
export interface SessionState {
  tools: Map<string, string>;
  cwd: string;
}

/** Run events for one SDK message: what the agent said, the tools it called, what they returned. */
export function claudeEvents(m: SDKMessage, s: SessionState): RunEventInput[] {
  if (m.type === 'assistant') {
    const out: RunEventInput[] = [];
    for (const block of m.message.content) {
      if (block.type === 'tool_use') {
        s.tools.set(block.id, block.name);
        // Vocabulary calls keep their (small, typed) input: which pod, which replicas.
        const input = block.name.startsWith('mcp__') ? clipInput(block.input) : briefInput(block.input, s.cwd);
        out.push({
          type: 'tool_call',
          data: { tool: `claude-code:${block.name}`, input, label: callLabel(block.name, input) },
        });
      } else if (block.type === 'text' && block.text.trim()) {
        out.push({ type: 'step', data: { message: block.text.trim().slice(0, 500) } });
      }
    }
    return out;
  }
  if (m.type === 'user' && Array.isArray(m.message.content)) {
    return m.message.content.flatMap((b): RunEventInput[] => {
      if (typeof b !== 'object' || b.type !== 'tool_result') return [];
      const text = typeof b.content === 'string' ? b.content : JSON.stringify(b.content ?? '');
      return [
        {
          type: 'tool_result',
          data: {
            tool: `claude-code:${s.tools.get(b.tool_use_id) ?? 'tool'}`,
            ok: !b.is_error,
            summary: b.is_error ? text.slice(0, 300) : `${text.split('\n').length} lines`,
          },
        },
      ];
    });
  }
  return [];
}

/** What a tool call was about, without file contents: paths (relative to the clone), patterns, commands. */
function briefInput(input: unknown, cwd: string): Record<string, unknown> {
  const i = (input ?? {}) as Record<string, unknown>;
  const keep = ['file_path', 'notebook_path', 'path', 'pattern', 'command'];
  const inClone = (v: string) => (v === cwd ? '.' : v.startsWith(`${cwd}/`) ? v.slice(cwd.length + 1) : v);
  return Object.fromEntries(
    keep.filter((k) => typeof i[k] === 'string').map((k) => [k, inClone(String(i[k])).slice(0, 300)]),
  );
}

function clipInput(input: unknown): Record<string, unknown> {
  const json = JSON.stringify(input ?? {});
  return json.length <= 500 ? (input as Record<string, unknown>) : { input: `${json.slice(0, 499)}…` };
}

/** `Edit deploy/values.yaml`, `Bash: sh ci.sh`, `list_pods`: the call as the thread shows it. */
function callLabel(tool: string, input: Record<string, unknown>): string {
  const mcp = /^mcp__[^_]+__(.+)$/.exec(tool);
  if (mcp) return mcp[1]!;
  if (typeof input.command === 'string') return `${tool}: ${input.command.slice(0, 120)}`;
  const what = input.file_path ?? input.notebook_path ?? input.pattern ?? input.path;
  return typeof what === 'string' ? `${tool} ${what.slice(0, 120)}` : tool;
}
