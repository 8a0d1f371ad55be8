import type { webApi } from '@slack/bolt';
import type { Logger } from '../../observability/logger.ts';
import type { Db } from '../../store/db.ts';
import { getProposal, setProposalMessage } from '../../store/proposals.ts';
import type { Run, Task } from '../../store/schema.ts';
import type { PersistedEvent, RunSink } from '../../supervisor/run-sink.ts';
import type { Finding } from '../../workers/worker.ts';
import { type SlackMessage, closedCard, finalMessage, findingMessage, outcomeMessage, progressMessage, proposalCard, textMessage } from './blocks.ts';
import { SlackOutbox } from './outbox.ts';

/** Slack's guidance for a message edited as work progresses: about one update every 3 seconds. */
export const PROGRESS_EVERY_MS = 3000;

interface Progress {
  ts?: string;
  lines: string[];
  lastUpdate: number;
  timer?: NodeJS.Timeout;
  /** A render is queued or in flight; lines added meanwhile are picked up by the next one. */
  busy: boolean;
  dirty: boolean;
}

export interface ThreadSink extends RunSink {
  /** Resolves once everything accepted so far has been posted (or given up). */
  drain(): Promise<void>;
}

/**
 * Renders a run into its task's Slack thread: one progress message kept current with coalesced
 * `chat.update` (at most one per `updateEveryMs`, however fast events come, always the latest
 * state), then findings, proposal cards, outcomes and the final summary as their own messages.
 * Delivery goes through a per-channel outbox, so the run never waits on Slack and a rate-limited
 * channel holds up only itself. Tasks without a thread are ignored.
 */
export function slackThreadSink(opts: { client: webApi.WebClient; db: Db; logger: Logger; updateEveryMs?: number; outbox?: SlackOutbox }): ThreadSink {
  const progress = new Map<string, Progress>();
  const every = opts.updateEveryMs ?? PROGRESS_EVERY_MS;
  const outbox = opts.outbox ?? new SlackOutbox({ logger: opts.logger });
  const failed = (what: string) => (err: unknown) => opts.logger.warn({ err }, `slack ${what} failed`);

  const post = (task: Task, m: SlackMessage) =>
    outbox.send(task.slack_channel!, async () => (await opts.client.chat.postMessage({ channel: task.slack_channel!, thread_ts: task.slack_thread_ts!, text: m.text, blocks: m.blocks, unfurl_links: false })).ts as string);

  const render = (task: Task, run: Run, p: Progress): Promise<void> => {
    clearTimeout(p.timer);
    p.timer = undefined;
    p.busy = true;
    p.dirty = false;
    return outbox.send(task.slack_channel!, async () => {
      // Rendered when its turn comes, so a queued update always carries the latest lines.
      const m = progressMessage(p.lines, run.id);
      p.lastUpdate = Date.now();
      if (p.ts) await opts.client.chat.update({ channel: task.slack_channel!, ts: p.ts, text: m.text });
      else p.ts = (await opts.client.chat.postMessage({ channel: task.slack_channel!, thread_ts: task.slack_thread_ts!, text: m.text, unfurl_links: false })).ts as string;
    }).catch(failed('progress update')).finally(() => {
      p.busy = false;
      if (p.dirty) schedule(task, run, p);
    });
  };

  const schedule = (task: Task, run: Run, p: Progress) => {
    if (p.busy) {
      p.dirty = true;
      return;
    }
    if (p.timer) return;
    const wait = p.ts ? p.lastUpdate + every - Date.now() : 0;
    if (wait <= 0) return void render(task, run, p);
    p.timer = setTimeout(() => void render(task, run, p), wait);
  };

  const addProgress = (task: Task, run: Run, line: string) => {
    const p = progress.get(run.id) ?? { lines: [], lastUpdate: 0, busy: false, dirty: false };
    progress.set(run.id, p);
    p.lines.push(line);
    schedule(task, run, p);
  };

  const handle = async (task: Task, run: Run, e: PersistedEvent): Promise<void> => {
    const d = e.data;
    switch (e.type) {
      case 'step':
        return addProgress(task, run, d.message);
      case 'tool_result':
        if (!d.ok) addProgress(task, run, `${d.tool} failed: ${d.summary}`);
        return;
      case 'finding':
        await post(task, findingMessage(d as Finding));
        return;
      case 'proposal': {
        const proposal = await getProposal(opts.db, d.proposalId);
        if (!proposal) return;
        const ts = await post(task, proposalCard(proposal));
        await setProposalMessage(opts.db, proposal.id, task.slack_channel!, ts);
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
          await outbox.send(proposal.slack_channel, () => opts.client.chat.update({ channel: proposal.slack_channel!, ts: proposal.slack_ts!, text: closed.text, blocks: closed.blocks }));
        }
        await post(task, textMessage(d.message));
        return;
      }
      case 'error':
        await post(task, textMessage(d.message));
        return;
      case 'final': {
        const p = progress.get(run.id);
        progress.delete(run.id);
        if (p?.ts || p?.lines.length) await render(task, run, p);
        await post(task, finalMessage(d.status, d.summary, run.id));
        return;
      }
    }
  };

  // Each run's events are handled one after another (a card is posted before the final summary),
  // in the background: a slow or rate-limited Slack never holds up the run itself.
  const chains = new Map<string, Promise<void>>();
  return {
    onEvent(task, run, e) {
      if (!task.slack_channel || !task.slack_thread_ts) return;
      const next = (chains.get(run.id) ?? Promise.resolve()).then(() => handle(task, run, e)).catch(failed(e.type));
      chains.set(run.id, next);
      void next.then(() => {
        if (chains.get(run.id) === next) chains.delete(run.id);
      });
    },
    async drain() {
      while (chains.size) await Promise.all([...chains.values()]);
      await outbox.drain();
    },
  };
}
