import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Run, Task } from '../../../src/store/schema.ts';
import { slackThreadSink } from '../../../src/surfaces/slack/thread-sink.ts';
import { FakeSlack } from '../../fakes/fake-slack.ts';
import { openTestDb, type TestDb } from '../../helpers/test-db.ts';

const task = (channel: string) =>
  ({
    id: `task_${channel}`,
    question: 'checkout is failing',
    slack_channel: channel,
    slack_thread_ts: '1700000000.000100',
  }) as Task;
const run = (id: string) => ({ id }) as Run;
let seq = 0;
const event = (type: string, data: Record<string, unknown>) => ({ seq: ++seq, type, data });
const finding = (summary: string) =>
  event('finding', {
    category: 'crash_loop',
    summary,
    object: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    evidence: ['exit code 2'],
  });

describe('the Slack thread sink (real WebClient, fake Slack Web API)', () => {
  let slack: FakeSlack;
  let t: TestDb;
  const client = () =>
    new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  const ok = (method: string, channel: string) =>
    slack.callsTo(method).filter((c) => c.args.channel === channel && c.result?.ok);

  beforeAll(async () => {
    slack = new FakeSlack();
    await slack.start();
    t = await openTestDb('pglite');
  });
  afterAll(async () => {
    await slack.stop();
    await t.close();
  });

  it('coalesces a flood of progress into at most one update per interval, always showing the latest step', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 300 });
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      sink.onEvent(task('C0FLOOD'), run('run_flood'), event('step', { message: `step ${i}` }));
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 60));
    }
    sink.onEvent(task('C0FLOOD'), run('run_flood'), event('final', { status: 'succeeded', summary: 'done' }));
    await sink.drain();
    const elapsed = Date.now() - started;
    const updates = ok('chat.update', 'C0FLOOD');
    expect(ok('chat.postMessage', 'C0FLOOD').map((c) => String(c.args.text).slice(0, 12))).toEqual([
      '*Progress* (',
      ':white_check',
    ]);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 2);
    expect(String(updates.at(-1)!.args.text)).toContain('step 399');
    // Consecutive updates are spaced by the interval (the final one may follow at once).
    const at = slack.calls.filter((c) => c.method === 'chat.update' && c.args.channel === 'C0FLOOD').map((c) => c.at);
    for (let i = 1; i < at.length - 1; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(280);
  });

  it('a rate-limited channel waits out its Retry-After alone; other threads keep flowing; nothing is lost or doubled', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 300 });
    slack.rateLimit({ method: 'chat.postMessage', channel: 'C0LIMITED', times: 2, retryAfter: 1 });
    const before = Date.now();
    for (const [channel, runId] of [
      ['C0LIMITED', 'run_a'],
      ['C0FREE', 'run_b'],
    ] as const) {
      sink.onEvent(task(channel), run(runId), finding(`first in ${channel}`));
      sink.onEvent(task(channel), run(runId), finding(`second in ${channel}`));
      sink.onEvent(task(channel), run(runId), event('final', { status: 'succeeded', summary: `done in ${channel}` }));
    }
    expect(Date.now() - before).toBeLessThan(50); // the run never waits on Slack
    await sink.drain();
    const texts = (channel: string) => ok('chat.postMessage', channel).map((c) => String(c.args.text));
    expect(texts('C0LIMITED')).toEqual([
      expect.stringContaining('first in C0LIMITED'),
      expect.stringContaining('second in C0LIMITED'),
      expect.stringContaining('done in C0LIMITED'),
    ]);
    expect(texts('C0FREE')).toEqual([
      expect.stringContaining('first in C0FREE'),
      expect.stringContaining('second in C0FREE'),
      expect.stringContaining('done in C0FREE'),
    ]);
    const limited = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0LIMITED');
    expect(limited.filter((c) => c.result?.error === 'ratelimited')).toHaveLength(2);
    // The free channel finished before the limited one got its first message through.
    expect(ok('chat.postMessage', 'C0FREE').at(-1)!.at).toBeLessThan(ok('chat.postMessage', 'C0LIMITED')[0]!.at!);
    expect(ok('chat.postMessage', 'C0LIMITED')[0]!.at! - before).toBeGreaterThanOrEqual(1900);
  });

  it('retries a message Slack failed with a 5xx, and delivers it once', async () => {
    const retrying = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 3, minTimeout: 10, maxTimeout: 20 },
      rejectRateLimitedCalls: true,
    });
    const sink = slackThreadSink({ client: retrying, db: t.db, logger: createLogger('silent') });
    slack.serverError({ method: 'chat.postMessage', channel: 'C0FLAKY', times: 2 });
    sink.onEvent(task('C0FLAKY'), run('run_flaky'), finding('survives two 503s'));
    await sink.drain();
    const attempts = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0FLAKY');
    expect(attempts.map((c) => c.result?.httpStatus ?? 200)).toEqual([503, 503, 200]);
    expect(ok('chat.postMessage', 'C0FLAKY')).toHaveLength(1);
  });

  it('streams progress to the person who asked, with tool calls as tasks, and starts a fresh stream before expiry', async () => {
    const sink = slackThreadSink({
      client: client(),
      db: t.db,
      logger: createLogger('silent'),
      updateEveryMs: 100,
      streamRotateMs: 700,
    });
    const asked = { ...task('C0STREAM'), requester: 'U0ONCALL', slack_team: 'T0001' } as Task;
    for (let i = 0; i < 20; i++) {
      sink.onEvent(asked, run('run_stream'), event('step', { message: `step ${i}` }));
      await new Promise((r) => setTimeout(r, 60)); // ~1.2 s in all: at least one rotation
      if (i === 3) {
        // A tool call shows as a Slack task: in progress, then complete (or error).
        sink.onEvent(asked, run('run_stream'), event('tool_call', { tool: 'pod_logs', input: {} }));
        await new Promise((r) => setTimeout(r, 150));
        sink.onEvent(
          asked,
          run('run_stream'),
          event('tool_result', { tool: 'pod_logs', ok: false, summary: 'pods "x" not found' }),
        );
      }
    }
    sink.onEvent(asked, run('run_stream'), event('final', { status: 'succeeded', summary: 'streamed' }));
    await sink.drain();
    const starts = slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0STREAM');
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts[0]!.args).toMatchObject({
      thread_ts: '1700000000.000100',
      recipient_user_id: 'U0ONCALL',
      recipient_team_id: 'T0001',
      task_display_mode: 'plan',
    });
    expect(starts[0]!.args.chunks[0]).toEqual({ type: 'plan_update', title: 'Investigating: checkout is failing' });
    expect(JSON.stringify(starts[1]!.args.chunks)).toContain('continued');
    // Each stream was closed before the next began, and the last one at the end.
    for (const [i, s] of starts.entries()) {
      const stop = slack.callsTo('chat.stopStream').find((c) => c.args.ts === s.result!.ts && c.result?.ok);
      expect(stop).toBeDefined();
      if (starts[i + 1]) expect(stop!.at!).toBeLessThanOrEqual(starts[i + 1]!.at!);
    }
    const taskChunks = slack.calls
      .filter((c) => c.args.channel === 'C0STREAM')
      .flatMap((c) => (c.args.chunks ?? []) as { type: string; id: string; status: string; output?: string }[])
      .filter((c) => c.type === 'task_update');
    expect(taskChunks.map((c) => c.status)).toEqual(['in_progress', 'error']);
    expect(new Set(taskChunks.map((c) => c.id)).size).toBe(1);
    expect(taskChunks[1]!.output).toBe('pods "x" not found');
    const streamed = [...slack.streams.values()]
      .filter((x) => x.channel === 'C0STREAM')
      .map((x) => x.text)
      .join('');
    for (let i = 0; i < 20; i++) expect(streamed).toContain(`step ${i}\n`);
    expect(ok('chat.postMessage', 'C0STREAM').map((c) => String(c.args.text))).toEqual([
      expect.stringContaining('Run succeeded'),
    ]);
  });

  it('once Slack ends a stream, edits that message with the full text from then on', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 50 });
    const asked = { ...task('C0ENDED'), requester: 'U0ONCALL', slack_team: 'T0001' } as Task;
    const step = async (i: number) => {
      sink.onEvent(asked, run('run_ended'), event('step', { message: `step ${i}` }));
      await new Promise((r) => setTimeout(r, 80));
    };
    for (let i = 0; i < 3; i++) await step(i);
    const [start] = slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0ENDED');
    const ts = start!.result!.ts as string;
    slack.streams.get(ts)!.startedAt = 0; // Slack's five-minute limit, reached
    for (let i = 3; i < 6; i++) await step(i);
    sink.onEvent(asked, run('run_ended'), event('final', { status: 'succeeded', summary: 'done' }));
    await sink.drain();
    expect(
      slack
        .callsTo('chat.appendStream')
        .some((c) => c.args.ts === ts && c.result?.error === 'message_not_in_streaming_state'),
    ).toBe(true);
    const edits = ok('chat.update', 'C0ENDED').filter((c) => c.args.ts === ts);
    expect(edits.length).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) expect(`${String(edits.at(-1)!.args.text)}\n`).toContain(`step ${i}\n`);
    expect(slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0ENDED')).toHaveLength(1);
  });

  it('posts and edits one message for a run nobody asked for in person (an alert), once it has run an interval', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 100 });
    const alert = { ...task('C0ALERTS'), requester: 'alertmanager', slack_team: null } as Task;
    for (let i = 0; i < 5; i++) {
      sink.onEvent(alert, run('run_alert'), event('step', { message: `alert step ${i}` }));
      await new Promise((r) => setTimeout(r, 60));
    }
    sink.onEvent(alert, run('run_alert'), event('final', { status: 'succeeded', summary: 'ok' }));
    await sink.drain();
    expect(slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0ALERTS')).toEqual([]);
    const posts = ok('chat.postMessage', 'C0ALERTS');
    expect(posts.map((c) => String(c.args.text).slice(0, 12))).toEqual(['*Progress* (', ':white_check']);
    expect(String(ok('chat.update', 'C0ALERTS').at(-1)?.args.text ?? posts[0]!.args.text)).toContain('alert step 4');
  });

  it("an alert's run that finds its answer within the interval shows the finding first and no progress message", async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 2000 });
    const alert = { ...task('C0QUICK'), requester: 'alertmanager', slack_team: null } as Task;
    sink.onEvent(alert, run('run_quick'), event('step', { message: 'Running the crash-loop runbook' }));
    sink.onEvent(alert, run('run_quick'), finding('cart exits 1: CART_DB_URL is not set'));
    sink.onEvent(alert, run('run_quick'), event('final', { status: 'succeeded', summary: 'cart is crash-looping' }));
    await sink.drain();
    expect(ok('chat.postMessage', 'C0QUICK').map((c) => String(c.args.text))).toEqual([
      expect.stringContaining('*Finding*'),
      expect.stringContaining(':white_check'),
    ]);
    expect(ok('chat.update', 'C0QUICK')).toEqual([]);
  });

  it("in a busy channel, each thread's first finding goes ahead of other threads' summaries", async () => {
    // A budget of three posts, then one a second: the channel is short of it at once.
    const { SlackOutbox } = await import('../../../src/surfaces/slack/outbox.ts');
    const outbox = new SlackOutbox({ logger: createLogger('silent'), pace: { burst: 3, perSecond: 1 } });
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), outbox });
    const thread = (n: number) =>
      ({
        ...task('C0BUSY'),
        slack_thread_ts: `17000000${n}0.000100`,
        requester: 'alertmanager',
        slack_team: null,
      }) as Task;
    // Three runs end at once (finding, then summary); then a fourth finds something.
    for (const n of [1, 2, 3]) {
      sink.onEvent(thread(n), run(`run_busy${n}`), finding(`finding ${n}`));
      sink.onEvent(thread(n), run(`run_busy${n}`), event('final', { status: 'succeeded', summary: `summary ${n}` }));
    }
    await new Promise((r) => setTimeout(r, 50));
    sink.onEvent(thread(4), run('run_busy4'), finding('finding 4'));
    sink.onEvent(thread(4), run('run_busy4'), event('final', { status: 'succeeded', summary: 'summary 4' }));
    await sink.drain();
    const order = ok('chat.postMessage', 'C0BUSY').map((c) => {
      const text = String(c.args.text);
      return text.includes('*Finding*') ? `finding ${c.args.thread_ts}` : `summary ${c.args.thread_ts}`;
    });
    const at = (what: string, n: number) => order.indexOf(`${what} 17000000${n}0.000100`);
    // Every thread's finding precedes its own summary…
    for (const n of [1, 2, 3, 4]) expect(at('finding', n)).toBeLessThan(at('summary', n));
    // …and the late thread's finding did not wait behind the summaries queued before it.
    expect(at('finding', 4)).toBeLessThan(Math.max(at('summary', 1), at('summary', 2), at('summary', 3)));
  });
});
