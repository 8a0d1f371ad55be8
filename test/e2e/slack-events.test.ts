import { describe, expect, it } from 'vitest';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { eventCallback, postEvent, postSigned, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'events-secret';
const APPROVER = 'U0APPROVER1';
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';

describe('Slack events: mentions, follow-ups, retries, App Home, /claw retry', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [${APPROVER}]\nrepos:\n  gitops: { url: "file:///nonexistent/gitops.git", ci: "true" }\n`,
  });
  const db = () => h.app.runtime.store.db;
  const mention = (text: string, ts: string, extra: Record<string, unknown> = {}) => ({
    type: 'app_mention',
    user: ONCALL,
    text: `<@U0BOT> ${text}`,
    ts,
    channel: CHANNEL,
    event_ts: ts,
    team: 'T0001',
    ...extra,
  });

  it('is ready once Slack accepts the bot token (auth.test), the store is migrated and a kubeconfig is there', async () => {
    const res = await fetch(`${h.app.url}/readyz`);
    const body = (await res.json()) as { ready: boolean; checks: Record<string, string> };
    expect(body.checks).toEqual({ database: 'ok', migrations: 'ok', signing: 'ok', slack: 'ok', kubernetes: 'ok' });
    expect(res.status).toBe(200);
    expect(h.slack.callsTo('auth.test').some((c) => c.token === 'xoxb-test')).toBe(true);
  });

  it("a mention starts an investigation in the mention's own thread; Slack's retries of it start nothing more", async () => {
    const body = eventCallback(mention('checkout is failing in shop', '1700000100.000100'), 'Ev0MENTION1');
    expect((await postEvent(h.events(), SECRET, body)).status).toBe(200);
    // Slack did not see our 200 in time and retries the same event, twice.
    expect((await postEvent(h.events(), SECRET, body, 1)).status).toBe(200);
    expect((await postEvent(h.events(), SECRET, body, 2)).status).toBe(200);
    const reply = await waitFor('the scope reply in the thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.args.thread_ts === '1700000100.000100' && String(c.args.text).includes('Investigating')),
    );
    expect(reply.args.text).toContain('checkout is failing');
    await waitFor(
      'the card',
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find(
            (c) =>
              c.args.thread_ts === '1700000100.000100' && JSON.stringify(c.args.blocks ?? '').includes('claw_approve'),
          ),
      30_000,
    );
    const tasks = await db()
      .selectFrom('tasks')
      .selectAll()
      .where('slack_thread_ts', '=', '1700000100.000100')
      .execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ source: 'mention', requester: ONCALL, namespace: 'shop', slack_team: 'T0001' });
  }, 60_000);

  it('a mention in a task thread is a follow-up: same thread, same scope, the earlier conclusion as context', async () => {
    const parent = await db()
      .selectFrom('tasks')
      .selectAll()
      .where('slack_thread_ts', '=', '1700000100.000100')
      .executeTakeFirstOrThrow();
    await postEvent(
      h.events(),
      SECRET,
      eventCallback(
        mention('is redis involved, as <@U0DBA> thinks?', '1700000150.000100', { thread_ts: '1700000100.000100' }),
        'Ev0FOLLOWUP',
      ),
    );
    const child = await waitFor('the follow-up task', () =>
      db().selectFrom('tasks').selectAll().where('parent_task_id', '=', parent.id).executeTakeFirst(),
    );
    expect(child).toMatchObject({
      question: 'is redis involved, as <@U0DBA> thinks?',
      namespace: 'shop',
      slack_channel: CHANNEL,
      slack_thread_ts: '1700000100.000100',
      source: 'mention',
    });
    expect(child.context).toContain('Earlier question in this thread: checkout is failing');
    expect(child.context).toMatch(/Its latest run \((running|awaiting_approval|queued)\) concluded/);
  });

  it('"open a change for that" in a task thread is a change task on the repository, carrying what the thread found', async () => {
    // The thread's latest task is the follow-up asked in it: the change is about what that found.
    const parent = await db()
      .selectFrom('tasks')
      .selectAll()
      .where('slack_thread_ts', '=', '1700000100.000100')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    await postEvent(
      h.events(),
      SECRET,
      eventCallback(
        mention('open a change for that', '1700000160.000100', { thread_ts: '1700000100.000100' }),
        'Ev0CHANGE',
      ),
    );
    const change = await waitFor('the change task', () =>
      db().selectFrom('tasks').selectAll().where('kind', '=', 'change').executeTakeFirst(),
    );
    expect(change).toMatchObject({
      repo: 'gitops',
      parent_task_id: parent.id,
      slack_thread_ts: '1700000100.000100',
      question: `open a change for that (what this thread found about: ${parent.question})`,
    });
    expect(change.context).toContain(`Earlier question in this thread: ${parent.question}`);
    // No coding agent here (no ANTHROPIC_API_KEY): the thread is told at once what is missing.
    await waitFor('the escalation in the thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) =>
            c.args.thread_ts === '1700000100.000100' &&
            String(c.args.text).includes('claude-code:claude-sonnet-4-6 needs ANTHROPIC_API_KEY'),
        ),
    );
  }, 60_000);

  it("ignores the bot's own mentions, and answers a mention with nothing to ask with help, only to the asker", async () => {
    await postEvent(
      h.events(),
      SECRET,
      eventCallback(mention('checkout is failing', '1700000200.000100', { user: 'U0BOT', bot_id: 'B0BOT' }), 'Ev0SELF'),
    );
    await postEvent(h.events(), SECRET, eventCallback(mention('', '1700000201.000100'), 'Ev0EMPTY'));
    const help = await waitFor('help for the empty mention', () =>
      h.slack.callsTo('chat.postEphemeral').find((c) => c.args.thread_ts === '1700000201.000100'),
    );
    expect(help.args).toMatchObject({ user: ONCALL, channel: CHANNEL });
    expect(help.args.text).toContain('/claw investigate');
    expect(
      await db()
        .selectFrom('tasks')
        .select('id')
        .where('slack_thread_ts', 'in', ['1700000200.000100', '1700000201.000100'])
        .execute(),
    ).toEqual([]);
  });

  it("App Home shows what waits for my approval and my requests, nobody else's runs", async () => {
    // Settled: the follow-up's proposal (which superseded the first card's) is on its own card.
    const child = await db()
      .selectFrom('tasks')
      .select('id')
      .where('parent_task_id', 'is not', null)
      .executeTakeFirstOrThrow();
    await waitFor(
      "the follow-up's card",
      () =>
        db()
          .selectFrom('proposals')
          .select('id')
          .where('task_id', '=', child.id)
          .where('status', '=', 'pending')
          .where('slack_ts', 'is not', null)
          .executeTakeFirst(),
      30_000,
    );
    for (const [user, id] of [
      [APPROVER, 'Ev0HOME1'],
      [ONCALL, 'Ev0HOME2'],
    ] as const) {
      await postEvent(
        h.events(),
        SECRET,
        eventCallback(
          { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home', event_ts: '1700000300.000100' },
          id,
        ),
      );
    }
    const published = await waitFor('both home views', () => {
      const views = h.slack.callsTo('views.publish');
      return views.length >= 2 ? views : undefined;
    });
    const viewOf = (user: string) => JSON.stringify(published.find((c) => c.args.user_id === user)!.args.view);
    expect(viewOf(APPROVER)).toContain('Waiting for your approval (1)');
    expect(viewOf(APPROVER)).toContain('rollout_undo');
    expect(viewOf(APPROVER)).toContain('https://example.slack.com/archives/C0INCIDENT/p');
    // The requester may not approve their own request: nothing waits for them.
    expect(viewOf(ONCALL)).toContain('Waiting for your approval (0)');
    expect(viewOf(ONCALL)).toContain('checkout is failing');
    // Another person's requests (which may come from private channels) are not on my Home.
    expect(viewOf(APPROVER)).not.toContain('checkout is failing');
    expect(viewOf(APPROVER)).not.toContain('Recent runs');
    expect(JSON.parse(viewOf(ONCALL)).blocks.length).toBeLessThanOrEqual(100);
    // The Messages tab opening is not a reason to publish.
    await postEvent(
      h.events(),
      SECRET,
      eventCallback(
        { type: 'app_home_opened', user: APPROVER, channel: 'D0HOME', tab: 'messages', event_ts: '1700000301.000100' },
        'Ev0HOME3',
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.callsTo('views.publish')).toHaveLength(2);
  }, 60_000);

  it('/claw with text the database cannot store is refused in the acknowledgement, and nothing is recorded', async () => {
    const before = await db().selectFrom('tasks').select(db().fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'checkout\u0000 is failing', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { text: string };
    expect(ack.text).toContain('a character I cannot store');
    expect(ack.text).not.toContain('database is unreachable');
    const after = await db().selectFrom('tasks').select(db().fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('/claw retry runs a finished task again in its thread, once however many times it is asked', async () => {
    // The follow-up's run proposed the same rollback (superseding the first card) and waits on it.
    const task = await db()
      .selectFrom('tasks')
      .selectAll()
      .where('parent_task_id', 'is not', null)
      .executeTakeFirstOrThrow();
    const first = await waitFor(
      'the follow-up waiting',
      () =>
        db()
          .selectFrom('runs')
          .selectAll()
          .where('task_id', '=', task.id)
          .where('status', '=', 'awaiting_approval')
          .executeTakeFirst(),
      30_000,
    );
    const slash = (text: string, path: string) =>
      postSigned(
        h.events(),
        SECRET,
        slashCommandBody({
          text,
          user: ONCALL,
          channel: CHANNEL,
          responseUrl: `${h.slack.url.replace(/api\/$/, '')}${path}`,
        }),
      );
    await slash(`retry ${first.id}`, 'r1');
    const refused = await waitFor('the refusal while it waits', () => h.slack.callsTo('response:/r1')[0]);
    expect(refused.args.text).toContain('is still awaiting approval');
    // Someone else, in another channel, sees nothing of it and cannot cancel it.
    const stranger = (text: string, path: string) =>
      postSigned(
        h.events(),
        SECRET,
        slashCommandBody({
          text,
          user: 'U0STRANGER',
          channel: 'C0OTHER',
          responseUrl: `${h.slack.url.replace(/api\/$/, '')}${path}`,
        }),
      );
    await stranger(`status ${first.id}`, 's1');
    expect((await waitFor('status elsewhere', () => h.slack.callsTo('response:/s1')[0])).args.text).toBe(
      `No run \`${first.id}\` in this channel or by you.`,
    );
    await stranger('runs', 's2');
    expect((await waitFor('runs elsewhere', () => h.slack.callsTo('response:/s2')[0])).args.text).not.toContain(
      first.id,
    );
    await stranger(`cancel ${first.id}`, 's3');
    expect((await waitFor('cancel refused', () => h.slack.callsTo('response:/s3')[0])).args.text).toMatch(
      /^Not cancelled: only the run's requester/,
    );
    expect(
      (await db().selectFrom('runs').select('status').where('id', '=', first.id).executeTakeFirstOrThrow()).status,
    ).toBe('awaiting_approval');
    await slash(`runs`, 's4');
    expect((await waitFor('runs here', () => h.slack.callsTo('response:/s4')[0])).args.text).toContain(first.id);
    await slash(`cancel ${first.id}`, 'r2');
    await waitFor('cancelled', () => h.slack.callsTo('response:/r2')[0]);
    await Promise.all([slash(`retry ${first.id}`, 'r3'), slash(`retry ${first.id}`, 'r4')]);
    const answers = await waitFor('both answers', () =>
      h.slack.callsTo('response:/r3').length && h.slack.callsTo('response:/r4').length
        ? [...h.slack.callsTo('response:/r3'), ...h.slack.callsTo('response:/r4')]
        : undefined,
    );
    expect(answers.filter((a) => String(a.args.text).startsWith('Retrying'))).toHaveLength(1);
    const runs = await db().selectFrom('runs').select(['id', 'status']).where('task_id', '=', task.id).execute();
    expect(runs).toHaveLength(2);
    await waitFor('the retry note in the thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) => c.args.thread_ts === '1700000100.000100' && String(c.args.text).includes('asked to run this again'),
        ),
    );
  }, 60_000);
});
