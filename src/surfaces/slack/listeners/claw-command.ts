import type { webApi } from '@slack/bolt';
import { getRunSeenBy, listRunsSeenBy } from '../../../store/runs.ts';
import { cancelAsked } from '../../../tasks/cancel-run.ts';
import { retryRun } from '../../../tasks/retry-run.ts';
import { type ClawCommand, HELP_TEXT } from '../command-parser.ts';
import { acceptInvestigation, type InboxReply, processInboxItem } from '../inbox.ts';
import { esc } from '../mrkdwn.ts';
import type { SlackDeps } from '../slack-deps.ts';
import type { InvestigationAsk } from './start-investigation.ts';

export const CANCEL_REPLY = {
  cancelled: (id: string) => `Cancelled \`${id}\`.`,
  requested: (id: string) => `Stopping \`${id}\`: the supervisor running it aborts its current step.`,
  finished: (id: string) => `\`${id}\` has already finished; nothing to cancel.`,
  unknown: (id: string) => `No run \`${id}\`.`,
} as const;

export interface CommandContext {
  client: webApi.WebClient;
  deps: SlackDeps;
  /** Answers only the asker (ephemeral). */
  reply(text: string): Promise<void>;
  ask: Omit<InvestigationAsk, 'question' | 'namespace' | 'cluster'>;
  /** How a stored investigation request answers its asker, even from another replica. */
  inboxReply: InboxReply;
  /** The investigation was stored before the acknowledgement (slash commands). */
  inboxId?: string;
}

/** The investigation a command asks for. */
export function investigationOf(
  cmd: Extract<ClawCommand, { kind: 'investigate' | 'change' | 'security' | 'generate' }>,
  c: Pick<CommandContext, 'ask'>,
): InvestigationAsk {
  if (cmd.kind === 'change') return { ...c.ask, question: cmd.question, repo: cmd.repo };
  if (cmd.kind === 'security')
    return {
      ...c.ask,
      question: `Security posture review of ${cmd.namespace ? `namespace ${cmd.namespace}` : 'the cluster'}`,
      namespace: cmd.namespace,
      cluster: cmd.cluster,
      kind: 'security',
    };
  if (cmd.kind === 'generate')
    return { ...c.ask, question: cmd.question, namespace: cmd.namespace, cluster: cmd.cluster, kind: 'generate' };
  return { ...c.ask, question: cmd.question, namespace: cmd.namespace, cluster: cmd.cluster };
}

/**
 * One `/claw` command, wherever it was typed (slash command or @mention). Reads and writes the
 * store only; runs are created for the supervisor and never run here.
 */
export async function runClawCommand(cmd: ClawCommand, c: CommandContext): Promise<void> {
  const { deps } = c;
  switch (cmd.kind) {
    case 'help':
      return c.reply(HELP_TEXT);
    case 'usage':
      return c.reply(`${cmd.problem}\n\n${HELP_TEXT}`);
    case 'runs': {
      // This channel's runs and the asker's own: a listing never shows another (private) channel's.
      const runs = await listRunsSeenBy(deps.db, { channel: c.ask.channel, user: c.ask.user }, 10);
      const lines = runs.map((r) => `• \`${r.id}\` ${r.status} — ${esc((r.summary ?? '').slice(0, 120))}`);
      return c.reply(
        lines.length ? `*Recent runs here and yours*\n${lines.join('\n')}` : 'No runs in this channel or by you yet.',
      );
    }
    case 'status': {
      const run = await getRunSeenBy(deps.db, cmd.runId, { channel: c.ask.channel, user: c.ask.user });
      return c.reply(
        run
          ? `\`${run.id}\`: *${run.status}* (worker ${run.worker ?? '-'}, ${run.steps} steps)\n${esc(run.summary ?? '')}`
          : `No run \`${cmd.runId}\` in this channel or by you.`,
      );
    }
    case 'cancel': {
      const { result, message } = await cancelAsked(deps, cmd.runId, c.ask.user);
      return c.reply(result === 'refused' ? `Not cancelled: ${message}.` : CANCEL_REPLY[result](cmd.runId));
    }
    case 'retry': {
      const result = await retryRun(deps.db, cmd.runId, c.ask.user, deps.notify);
      if (!result.ok) return c.reply(result.message);
      const { task, run } = result;
      if (task.slack_channel && task.slack_thread_ts) {
        await c.client.chat
          .postMessage({
            channel: task.slack_channel,
            thread_ts: task.slack_thread_ts,
            text: `:repeat: <@${c.ask.user}> asked to run this again: \`${run.id}\`.`,
          })
          .catch((err) => deps.logger.warn({ err }, 'cannot post the retry note'));
      }
      return c.reply(`Retrying \`${cmd.runId}\` as \`${run.id}\`${task.slack_channel ? ' in its thread' : ''}.`);
    }
    case 'change':
    case 'security':
    case 'generate':
    case 'investigate': {
      // Stored first (when the listener has not already), then started: see inbox.ts. An unknown
      // cluster is answered from there too, so a retry on another replica says it only once.
      const id = c.inboxId ?? (await acceptInvestigation(deps, investigationOf(cmd, c), c.inboxReply));
      return processInboxItem(c.client, deps, id);
    }
  }
}
