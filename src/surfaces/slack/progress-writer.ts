import type { webApi } from '@slack/bolt';
import type { Run, Task } from '../../store/schema.ts';
import { progressMessage } from './blocks.ts';
import { clip, esc } from './mrkdwn.ts';

/** Slack ends a stream on its side after about five minutes: start a fresh one before that. */
export const STREAM_ROTATE_MS = 4 * 60_000;

/** One run's progress in its thread, and how it is being shown. */
export interface Progress {
  /** `stream`: Slack's streaming API (a human asked); `update`: one message edited in place. */
  mode: 'stream' | 'update';
  ts?: string;
  lines: string[];
  /** Lines already on Slack (stream mode appends only the rest). */
  sent: number;
  /** Stream mode: tool calls as Slack tasks (`task_update` chunks) not yet sent, and open ones by tool. */
  chunks: TaskChunk[];
  openTasks: Map<string, { id: string; title: string }>;
  streamStartedAt: number;
  lastUpdate: number;
  /** When the first line came (edited-message mode shows progress only an interval after it). */
  startedAt?: number;
  timer?: NodeJS.Timeout;
  /** A render is queued or in flight; lines added meanwhile are picked up by the next one. */
  busy: boolean;
  dirty: boolean;
  /** The run's final message is on its way: no more progress writes after it. */
  closed?: boolean;
}

export interface TaskChunk {
  type: 'task_update';
  id: string;
  title: string;
  status: 'in_progress' | 'complete' | 'error';
  output?: string;
}

/** Streaming needs a person to stream to: the Slack user who asked, and their workspace. */
export function newProgress(task: Task): Progress {
  const person = Boolean(task.slack_team) && /^[UW][A-Z0-9]+$/.test(task.requester);
  return {
    mode: person ? 'stream' : 'update',
    lines: [],
    sent: 0,
    chunks: [],
    openTasks: new Map(),
    streamStartedAt: 0,
    lastUpdate: 0,
    busy: false,
    dirty: false,
  };
}

function slackError(e: unknown): string | undefined {
  return (e as { data?: { error?: string } } | null)?.data?.error;
}

/** Streams end by Slack's hand (expiry, the user's Stop): the text stays; we edit from there. */
const ENDED = new Set(['message_not_in_streaming_state', 'stopped_by_user']);

const bullets = (lines: string[]) => lines.map((l) => `• ${esc(clip(l.replace(/\s+/g, ' '), 250))}\n`).join('');

/**
 * Shows the lines not yet on Slack. Stream mode appends them to the run's stream (starting one,
 * or a fresh one when the current is near Slack's expiry); once Slack has ended a stream, the run
 * falls back to editing that message with the full text. `rotateMs` is for tests.
 */
export async function writeProgress(
  client: webApi.WebClient,
  task: Task,
  run: Run,
  p: Progress,
  rotateMs = STREAM_ROTATE_MS,
): Promise<void> {
  const channel = task.slack_channel!;
  if (p.mode === 'stream') {
    const fresh = p.lines.slice(p.sent);
    const tasks = p.chunks.slice();
    if (!fresh.length && !tasks.length) return;
    const upto = p.lines.length;
    try {
      if (p.ts && Date.now() - p.streamStartedAt < rotateMs) {
        await client.chat.appendStream({
          channel,
          ts: p.ts,
          chunks: [...(fresh.length ? [{ type: 'markdown_text' as const, text: bullets(fresh) }] : []), ...tasks],
        });
      } else {
        if (p.ts) await client.chat.stopStream({ channel, ts: p.ts }).catch(() => {});
        // Plan display: the tool calls group under the question being worked on.
        const started = await client.chat.startStream({
          channel,
          thread_ts: task.slack_thread_ts!,
          recipient_user_id: task.requester,
          recipient_team_id: task.slack_team!,
          task_display_mode: 'plan',
          chunks: [
            {
              type: 'plan_update',
              title: clip(`${task.repo ? `Changing ${task.repo}` : 'Investigating'}: ${task.question}`, 250),
            },
            { type: 'markdown_text', text: `*Progress* (${run.id}${p.ts ? ', continued' : ''})\n${bullets(fresh)}` },
            ...tasks,
          ],
        });
        p.ts = started.ts as string;
        p.streamStartedAt = Date.now();
      }
      p.sent = upto;
      p.chunks.splice(0, tasks.length);
      p.lastUpdate = Date.now();
      return;
    } catch (e) {
      if (!p.ts || !ENDED.has(slackError(e) ?? '')) throw e;
      p.mode = 'update';
    }
  }
  const m = progressMessage(p.lines, run.id);
  p.lastUpdate = Date.now();
  if (p.ts) await client.chat.update({ channel, ts: p.ts, text: m.text });
  else
    p.ts = (
      await client.chat.postMessage({ channel, thread_ts: task.slack_thread_ts!, text: m.text, unfurl_links: false })
    ).ts as string;
  p.sent = p.lines.length;
}

/** Closes a stream at the end of a run (a stream left open spins in Slack until it expires). */
export async function endProgress(client: webApi.WebClient, task: Task, run: Run, p: Progress): Promise<void> {
  if (p.mode !== 'stream' || !p.ts) return;
  try {
    await client.chat.stopStream({ channel: task.slack_channel!, ts: p.ts });
  } catch (e) {
    if (!ENDED.has(slackError(e) ?? '')) throw e;
    p.mode = 'update';
    await writeProgress(client, task, run, p);
  }
}
