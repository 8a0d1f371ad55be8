import type { webApi } from '@slack/bolt';
import type { Logger } from '../../observability/logger.ts';
import type { Db } from '../../store/db.ts';
import { getProposal, setProposalMessage } from '../../store/proposals.ts';
import type { Run, Task } from '../../store/schema.ts';
import type { PersistedEvent, RunSink } from '../../supervisor/run-sink.ts';
import type { Finding } from '../../workers/worker.ts';
import { type SlackMessage, closedCard, finalMessage, findingMessage, outcomeMessage, progressMessage, proposalCard, textMessage } from './blocks.ts';

/**
 * Renders a run into its task's Slack thread: one progress message kept current with
 * `chat.update` (coalesced), then findings, the proposal card, outcomes and the final summary as
 * their own messages. Tasks without a thread are ignored.
 */
export function slackThreadSink(opts: { client: webApi.WebClient; db: Db; logger: Logger; updateEveryMs?: number }): RunSink {
  const progress = new Map<string, { ts?: string; lines: string[]; lastUpdate: number; timer?: NodeJS.Timeout }>();
  const every = opts.updateEveryMs ?? 1000;

  const post = async (task: Task, m: SlackMessage) => {
    const r = await opts.client.chat.postMessage({ channel: task.slack_channel!, thread_ts: task.slack_thread_ts!, text: m.text, blocks: m.blocks, unfurl_links: false });
    return r.ts as string;
  };

  const renderProgress = async (task: Task, run: Run) => {
    const p = progress.get(run.id)!;
    p.lastUpdate = Date.now();
    const m = progressMessage(p.lines, run.id);
    if (p.ts) await opts.client.chat.update({ channel: task.slack_channel!, ts: p.ts, text: m.text });
    else p.ts = await post(task, m);
  };

  const addProgress = async (task: Task, run: Run, line: string, now = false) => {
    const p = progress.get(run.id) ?? { lines: [], lastUpdate: 0 };
    progress.set(run.id, p);
    p.lines.push(line);
    clearTimeout(p.timer);
    if (now || !p.ts || Date.now() - p.lastUpdate >= every) return renderProgress(task, run);
    p.timer = setTimeout(() => void renderProgress(task, run).catch((err) => opts.logger.warn({ err }, 'slack progress update failed')), every);
  };

  return {
    async onEvent(task, run, e: PersistedEvent) {
      if (!task.slack_channel || !task.slack_thread_ts) return;
      const d = e.data;
      switch (e.type) {
        case 'step':
          return addProgress(task, run, d.message);
        case 'tool_result':
          if (!d.ok) return addProgress(task, run, `${d.tool} failed: ${d.summary}`);
          return;
        case 'finding':
          await post(task, findingMessage(d as Finding));
          return;
        case 'proposal': {
          const proposal = await getProposal(opts.db, d.proposalId);
          if (!proposal) return;
          const ts = await post(task, proposalCard(proposal));
          await setProposalMessage(opts.db, proposal.id, task.slack_channel, ts);
          return;
        }
        case 'execution':
          await post(task, outcomeMessage(d as { applied: boolean; verified: boolean; message: string; proposalId: string }));
          return;
        case 'decision': {
          // An expired or superseded card loses its buttons, so nobody clicks a dead proposal.
          const proposal = await getProposal(opts.db, d.proposalId);
          if (proposal?.slack_channel && proposal.slack_ts && (proposal.status === 'expired' || proposal.status === 'superseded')) {
            const closed = closedCard(proposal);
            await opts.client.chat.update({ channel: proposal.slack_channel, ts: proposal.slack_ts, text: closed.text, blocks: closed.blocks });
          }
          await post(task, textMessage(d.message));
          return;
        }
        case 'error':
          await post(task, textMessage(d.message));
          return;
        case 'final': {
          const p = progress.get(run.id);
          if (p) {
            clearTimeout(p.timer);
            if (p.ts) await renderProgress(task, run);
            progress.delete(run.id);
          }
          await post(task, finalMessage(d.status, d.summary, run.id));
          return;
        }
      }
    },
  };
}
