import type { webApi } from '@slack/bolt';
import type { Finding } from '../../domain/findings.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Db } from '../../store/db.ts';
import { getProposal, listProposalsForRun, setProposalMessage } from '../../store/proposals.ts';
import { listRunEvents } from '../../store/run-events.ts';
import type { Run, Task } from '../../store/schema.ts';
import type { PersistedEvent, RunSink } from '../../supervisor/run-sink.ts';
import { closedCard, findingMessage, outcomeMessage, proposalCard, type SlackMessage, textMessage } from './blocks.ts';
import { finalMessage } from './final-message.ts';
import { clip } from './mrkdwn.ts';
import { SlackOutbox } from './outbox.ts';
import { endProgress, newProgress, type Progress, writeProgress } from './progress-writer.ts';

/** Slack's guidance for a message edited as work progresses: about one update every 3 seconds. */
export const PROGRESS_EVERY_MS = 3000;
/** Findings posted into one run's thread (a posture review can have dozens); the rest stay on the run. */
const FINDINGS_POSTED = 8;

export interface ThreadSink extends RunSink {
  /** Resolves once everything accepted so far has been posted (or given up). */
  drain(): Promise<void>;
}

/**
 * Renders a run into its task's Slack thread: progress streamed to the person who asked (Slack's
 * streaming API, rotated before Slack's expiry) or, for alert-started runs and once a stream has
 * ended, one message kept current with `chat.update`; either way coalesced to at most one write per
 * `updateEveryMs` however fast events come, always with the latest state. Then findings, proposal cards, outcomes and the final summary as their own messages.
 * Delivery goes through a per-channel outbox, so the run never waits on Slack and a rate-limited
 * channel holds up only itself. Tasks without a thread are ignored.
 */
export function slackThreadSink(opts: {
  client: webApi.WebClient;
  db: Db;
  logger: Logger;
  updateEveryMs?: number;
  outbox?: SlackOutbox;
  streamRotateMs?: number;
}): ThreadSink {
  const progress = new Map<string, Progress>();
  /** Findings handed to the outbox per run: the first jumps the queue; past the cap they stay on the run's record. */
  const found = new Map<string, number>();
  const every = opts.updateEveryMs ?? PROGRESS_EVERY_MS;
  const outbox = opts.outbox ?? new SlackOutbox({ logger: opts.logger });
  // For links to cards: the workspace's URL, asked once (auth.test).
  let workspace: Promise<string | undefined> | undefined;
  const workspaceUrl = () =>
    (workspace ??= opts.client.auth.test().then(
      (r) => r.url,
      () => undefined,
    ));
  const failed = (what: string) => (err: unknown) => opts.logger.warn({ err }, `slack ${what} failed`);

  const post = (task: Task, m: SlackMessage, first = false) =>
    outbox.send(
      task.slack_channel!,
      async () =>
        (
          await opts.client.chat.postMessage({
            channel: task.slack_channel!,
            thread_ts: task.slack_thread_ts!,
            text: m.text,
            blocks: m.blocks,
            unfurl_links: false,
          })
        ).ts as string,
      { paced: true, first },
    );

  const render = (task: Task, run: Run, p: Progress): Promise<void> => {
    clearTimeout(p.timer);
    p.timer = undefined;
    p.busy = true;
    p.dirty = false;
    // Rendered when its turn comes, so a queued write always carries the latest lines.
    // Until it is on Slack, a render posts a new message, which spends the channel's budget.
    return outbox
      .send(task.slack_channel!, () => writeProgress(opts.client, task, run, p, opts.streamRotateMs), {
        paced: !p.ts,
      })
      .catch(failed('progress update'))
      .finally(() => {
        p.busy = false;
        if (p.dirty) schedule(task, run, p);
      });
  };

  const schedule = (task: Task, run: Run, p: Progress) => {
    if (p.closed) return;
    if (p.busy) {
      p.dirty = true;
      return;
    }
    if (p.timer) return;
    // A run nobody follows in person (an alert's) shows progress only once it has run for an
    // interval: one that finds its answer sooner shows the finding first, and a storm's threads
    // spend their channel's budget on findings rather than on progress nobody had time to read.
    p.startedAt ??= Date.now();
    const quietStart = p.mode === 'update' ? p.startedAt + every : 0;
    const wait = p.ts ? p.lastUpdate + every - Date.now() : quietStart - Date.now();
    if (wait <= 0) return void render(task, run, p);
    p.timer = setTimeout(() => void render(task, run, p), wait);
  };

  const addProgress = (task: Task, run: Run, line: string) => {
    const p = progress.get(run.id) ?? newProgress(task);
    progress.set(run.id, p);
    p.lines.push(line);
    schedule(task, run, p);
  };

  // A streamed run shows each tool call as a Slack task (in progress → complete or error); an
  // edited message shows only the failures, as lines.
  const toolProgress = (task: Task, run: Run, e: PersistedEvent) => {
    const p = progress.get(run.id) ?? newProgress(task);
    progress.set(run.id, p);
    const tool = String(e.data.tool);
    if (p.mode === 'update') {
      if (e.type === 'tool_result' && !e.data.ok) addProgress(task, run, `${tool} failed: ${e.data.summary}`);
      return;
    }
    if (e.type === 'tool_call') {
      const id = `tool-${e.seq}`;
      const title = clip(String(e.data.label ?? tool), 250);
      p.openTasks.set(tool, { id, title });
      p.chunks.push({ type: 'task_update', id, title, status: 'in_progress' });
    } else {
      const open = p.openTasks.get(tool) ?? { id: `tool-${e.seq}`, title: tool };
      p.openTasks.delete(tool);
      p.chunks.push({
        type: 'task_update',
        id: open.id,
        title: open.title,
        status: e.data.ok ? 'complete' : 'error',
        output: clip(String(e.data.summary ?? ''), 250),
      });
    }
    schedule(task, run, p);
  };

  const handle = async (task: Task, run: Run, e: PersistedEvent): Promise<void> => {
    const d = e.data;
    switch (e.type) {
      case 'step':
        return addProgress(task, run, d.message);
      case 'tool_call':
      case 'tool_result':
        return toolProgress(task, run, e);
      case 'finding': {
        // The run's first finding is what its thread's reader waits for: it goes ahead of other threads' cards and summaries.
        const n = found.get(run.id) ?? 0;
        found.set(run.id, n + 1);
        if (n < FINDINGS_POSTED) await post(task, findingMessage(d as Finding), n === 0);
        else if (n === FINDINGS_POSTED)
          await post(task, textMessage(`More findings than fit a thread: \`claw show ${run.id}\` lists them all.`));
        return;
      }
      case 'proposal': {
        const proposal = await getProposal(opts.db, d.proposalId);
        if (!proposal) return;
        const ts = await post(task, proposalCard(proposal));
        await setProposalMessage(opts.db, proposal.id, task.slack_channel!, ts);
        return;
      }
      case 'execution':
        await post(
          task,
          outcomeMessage(d as { applied: boolean; verified: boolean; message: string; proposalId: string }),
        );
        return;
      case 'decision': {
        // An expired or superseded card loses its buttons, so nobody clicks a dead proposal.
        const proposal = await getProposal(opts.db, d.proposalId);
        if (
          proposal?.slack_channel &&
          proposal.slack_ts &&
          (proposal.status === 'expired' || proposal.status === 'superseded')
        ) {
          const closed = closedCard(proposal);
          await outbox.send(proposal.slack_channel, () =>
            opts.client.chat.update({
              channel: proposal.slack_channel!,
              ts: proposal.slack_ts!,
              text: closed.text,
              blocks: closed.blocks,
            }),
          );
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
        found.delete(run.id);
        if (p) {
          p.closed = true;
          clearTimeout(p.timer);
          // The latest state before the summary (an edited message is re-rendered whole; a stream
          // gets what it lacks). An alert's run that ended before its progress was due shows none:
          // its findings and summary say what happened, and its steps stay on the run's record.
          if (
            p.mode === 'update'
              ? p.lines.length > 0 && (p.ts || p.busy)
              : p.lines.length > p.sent || p.chunks.length > 0
          )
            await render(task, run, p);
          await outbox
            .send(task.slack_channel!, () => endProgress(opts.client, task, run, p))
            .catch(failed('closing the progress stream'));
        }
        const findings = (await listRunEvents(opts.db, run.id))
          .filter((x) => x.type === 'finding')
          .map((x) => x.data as unknown as Finding);
        const proposals = await listProposalsForRun(opts.db, run.id);
        await post(
          task,
          finalMessage({
            status: d.status,
            summary: d.summary,
            runId: run.id,
            findings,
            proposals,
            workspaceUrl: await workspaceUrl(),
          }),
        );
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
