import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Run, Task } from '../../../src/store/schema.ts';
import { slackThreadSink } from '../../../src/surfaces/slack/thread-sink.ts';
import { FakeSlack } from '../../fakes/fake-slack.ts';
import { type TestDb, openTestDb } from '../../helpers/test-db.ts';

const task = (channel: string) => ({ id: `task_${channel}`, slack_channel: channel, slack_thread_ts: '1700000000.000100' }) as Task;
const run = (id: string) => ({ id }) as Run;
let seq = 0;
const event = (type: string, data: Record<string, unknown>) => ({ seq: ++seq, type, data });
const finding = (summary: string) => event('finding', { category: 'crash_loop', summary, object: { kind: 'Deployment', namespace: 'shop', name: 'cart' }, evidence: ['exit code 2'] });

describe('the Slack thread sink (real WebClient, fake Slack Web API)', () => {
  let slack: FakeSlack;
  let t: TestDb;
  const client = () => new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const ok = (method: string, channel: string) => slack.callsTo(method).filter((c) => c.args.channel === channel && c.result?.ok);

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
    expect(ok('chat.postMessage', 'C0FLOOD').map((c) => String(c.args.text).slice(0, 12))).toEqual(['*Progress* (', ':white_check']);
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
    for (const [channel, runId] of [['C0LIMITED', 'run_a'], ['C0FREE', 'run_b']] as const) {
      sink.onEvent(task(channel), run(runId), finding(`first in ${channel}`));
      sink.onEvent(task(channel), run(runId), finding(`second in ${channel}`));
      sink.onEvent(task(channel), run(runId), event('final', { status: 'succeeded', summary: `done in ${channel}` }));
    }
    expect(Date.now() - before).toBeLessThan(50); // the run never waits on Slack
    await sink.drain();
    const texts = (channel: string) => ok('chat.postMessage', channel).map((c) => String(c.args.text));
    expect(texts('C0LIMITED')).toEqual([expect.stringContaining('first in C0LIMITED'), expect.stringContaining('second in C0LIMITED'), expect.stringContaining('done in C0LIMITED')]);
    expect(texts('C0FREE')).toEqual([expect.stringContaining('first in C0FREE'), expect.stringContaining('second in C0FREE'), expect.stringContaining('done in C0FREE')]);
    const limited = slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0LIMITED');
    expect(limited.filter((c) => c.result?.error === 'ratelimited')).toHaveLength(2);
    // The free channel finished before the limited one got its first message through.
    expect(ok('chat.postMessage', 'C0FREE').at(-1)!.at).toBeLessThan(ok('chat.postMessage', 'C0LIMITED')[0]!.at!);
    expect(ok('chat.postMessage', 'C0LIMITED')[0]!.at! - before).toBeGreaterThanOrEqual(1900);
  });

  it('streams progress to the person who asked, starts a fresh stream before expiry, and edits the message once Slack ends one', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 100, streamRotateMs: 700 });
    const asked = { ...task('C0STREAM'), requester: 'U0ONCALL', slack_team: 'T0001' } as Task;
    const step = async (i: number) => {
      sink.onEvent(asked, run('run_stream'), event('step', { message: `step ${i}` }));
      await new Promise((r) => setTimeout(r, 60));
    };
    for (let i = 0; i < 20; i++) await step(i); // ~1.2 s: one rotation
    const starts = slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0STREAM');
    expect(starts.length).toBe(2);
    expect(starts[0]!.args).toMatchObject({ thread_ts: '1700000000.000100', recipient_user_id: 'U0ONCALL', recipient_team_id: 'T0001' });
    expect(starts[1]!.args.markdown_text).toContain('continued');
    // The first stream was closed before the second began; appends went to the live one.
    const firstTs = starts[0]!.result!.ts;
    const secondTs = starts[1]!.result!.ts;
    expect(slack.callsTo('chat.stopStream').some((c) => c.args.ts === firstTs && c.at! <= starts[1]!.at!)).toBe(true);
    expect(slack.callsTo('chat.appendStream').filter((c) => c.args.channel === 'C0STREAM').every((c) => c.result?.ok)).toBe(true);

    // Slack ends the live stream (its five-minute limit): the next write edits that message with everything.
    slack.streams.get(secondTs)!.startedAt = 0;
    for (let i = 20; i < 25; i++) await step(i);
    sink.onEvent(asked, run('run_stream'), event('final', { status: 'succeeded', summary: 'streamed' }));
    await sink.drain();
    const edits = ok('chat.update', 'C0STREAM').filter((c) => c.args.ts === secondTs);
    expect(edits.length).toBeGreaterThan(0);
    expect(String(edits.at(-1)!.args.text)).toContain('step 24');
    expect(ok('chat.postMessage', 'C0STREAM').map((c) => String(c.args.text))).toEqual([expect.stringContaining('Run succeeded')]);
    // Every step reached Slack once: in a stream, or in the edited message.
    const streamed = [...slack.streams.values()].filter((x) => x.channel === 'C0STREAM').map((x) => x.text).join('');
    const everything = `${streamed}\n${String(edits.at(-1)!.args.text)}\n`;
    for (let i = 0; i < 25; i++) expect(everything).toContain(`step ${i}\n`);
  });

  it('posts and edits one message for a run nobody asked for in person (an alert)', async () => {
    const sink = slackThreadSink({ client: client(), db: t.db, logger: createLogger('silent'), updateEveryMs: 100 });
    const alert = { ...task('C0ALERTS'), requester: 'alertmanager', slack_team: null } as Task;
    for (let i = 0; i < 5; i++) sink.onEvent(alert, run('run_alert'), event('step', { message: `alert step ${i}` }));
    sink.onEvent(alert, run('run_alert'), event('final', { status: 'succeeded', summary: 'ok' }));
    await sink.drain();
    expect(slack.callsTo('chat.startStream').filter((c) => c.args.channel === 'C0ALERTS')).toEqual([]);
    expect(String(ok('chat.update', 'C0ALERTS').at(-1)?.args.text ?? ok('chat.postMessage', 'C0ALERTS')[0]!.args.text)).toContain('alert step 4');
  });
});
