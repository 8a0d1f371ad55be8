import { Codex, type CodexOptions, type ThreadEvent, type ThreadItem } from '@openai/codex-sdk';
import type { RunEventInput } from '../../domain/run-events.ts';
import { Nudge } from '../worker.ts';
import type { CodingSession, TurnResult } from './coding-session.ts';

/**
 * One Codex thread through OpenAI's Codex SDK (the real Codex CLI, `codex exec --experimental-json`):
 * the first turn is the brief, later ones (CI's failures) resume the same thread, which keeps what
 * it read and did. A turn ends with `turn.completed` or `turn.failed`. The CLI gets only the
 * environment and `--config` given here (the SDK's `env` replaces the process's).
 */
export function codexSession(opts: {
  cwd: string;
  model: string;
  /** The whole environment of the CLI process. */
  env: Record<string, string>;
  /** `--config` overrides: the model provider (our proxy), the sandbox's limits, MCP servers. */
  config: NonNullable<CodexOptions['config']>;
  executable: string;
  emit(e: RunEventInput): void;
  heartbeat(): void;
  signal: AbortSignal;
}): CodingSession {
  const codex = new Codex({ codexPathOverride: opts.executable, env: opts.env, config: opts.config });
  const thread = codex.startThread({
    workingDirectory: opts.cwd,
    model: opts.model,
    // Writes only inside the clone, no network, nobody to ask: the sandbox, not a prompt, decides.
    sandboxMode: 'workspace-write',
    networkAccessEnabled: false,
    approvalPolicy: 'never',
    webSearchMode: 'disabled',
  });
  const abort = new AbortController();
  opts.signal.addEventListener('abort', () => abort.abort(opts.signal.reason), { once: true });
  return {
    async turn(message: string, signal?: AbortSignal): Promise<TurnResult> {
      let summary = '';
      // A nudge stops this turn's process; the next turn resumes the same thread with the nudge.
      const turnAbort = signal ? AbortSignal.any([abort.signal, signal]) : abort.signal;
      try {
        const { events } = await thread.runStreamed(message, { signal: turnAbort });
        for await (const e of events) {
          opts.heartbeat();
          for (const x of codexEvents(e, opts.cwd)) opts.emit(x);
          if (e.type === 'item.completed' && e.item.type === 'agent_message') summary = e.item.text;
          if (e.type === 'turn.failed')
            return { ok: false, summary, error: `Codex failed its turn: ${e.error.message}` };
        }
        return { ok: true, summary };
      } catch (e) {
        if (signal?.aborted && signal.reason instanceof Nudge && !abort.signal.aborted)
          return { ok: false, summary, nudged: signal.reason.context };
        return { ok: false, summary, error: `Codex stopped: ${(e as Error).message.slice(0, 500)}` };
      }
    },
    async close() {
      abort.abort();
    },
  };
}

/** Run events for one Codex event: commands run, files changed, MCP calls, what it said. */
export function codexEvents(e: ThreadEvent, cwd: string): RunEventInput[] {
  if (e.type !== 'item.started' && e.type !== 'item.completed') return [];
  const item = e.item;
  if (item.type === 'agent_message')
    return item.text.trim() ? [{ type: 'step', data: { message: item.text.trim().slice(0, 500) } }] : [];
  const call = describe(item, cwd);
  if (!call) return [];
  if (e.type === 'item.started')
    return [{ type: 'tool_call', data: { tool: call.tool, input: call.input, label: call.label } }];
  return [{ type: 'tool_result', data: { tool: call.tool, ok: call.ok, summary: call.summary } }];
}

function describe(
  item: ThreadItem,
  cwd: string,
): { tool: string; input: Record<string, unknown>; label: string; ok: boolean; summary: string } | undefined {
  const inClone = (p: string) => (p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p);
  switch (item.type) {
    case 'command_execution': {
      const command = unwrapShell(item.command);
      const ok = item.status === 'completed' && item.exit_code === 0;
      const out = item.aggregated_output.trim();
      return {
        tool: 'codex:shell',
        input: { command: command.slice(0, 300) },
        label: `Shell: ${command.slice(0, 120)}`,
        ok,
        summary: `exit ${item.exit_code ?? '?'}${ok ? '' : `: ${out.split('\n').slice(-3).join(' ').slice(0, 250)}`}`,
      };
    }
    case 'file_change': {
      const paths = item.changes.map(
        (c) => `${c.kind === 'add' ? 'A' : c.kind === 'delete' ? 'D' : 'M'} ${inClone(c.path)}`,
      );
      return {
        tool: 'codex:edit',
        input: { paths: item.changes.map((c) => inClone(c.path)) },
        label: `Edit ${item.changes
          .map((c) => inClone(c.path))
          .join(', ')
          .slice(0, 120)}`,
        ok: item.status === 'completed',
        summary: paths.join(', ').slice(0, 250),
      };
    }
    case 'mcp_tool_call':
      return {
        tool: `codex:${item.server}.${item.tool}`,
        // Vocabulary calls keep their (small, typed) input: the loop detector compares it.
        input: { arguments: JSON.stringify(item.arguments ?? {}).slice(0, 500) },
        label: item.tool,
        ok: item.status === 'completed' && !item.error,
        summary: item.error ? item.error.message.slice(0, 250) : item.status,
      };
    case 'web_search':
      return { tool: 'codex:web_search', input: {}, label: 'Web search', ok: false, summary: 'web search is off' };
    default:
      return undefined;
  }
}

/** `/bin/bash -lc 'sh ci.sh'` → `sh ci.sh`: the command as the agent wrote it. */
function unwrapShell(command: string): string {
  const m = /^\S*\/(?:ba)?sh -l?c '(.*)'$/s.exec(command);
  return m ? m[1]!.replace(/'\\''/g, "'") : command;
}
