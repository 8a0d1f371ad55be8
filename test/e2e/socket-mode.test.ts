import { describe, expect, it } from 'vitest';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, eventCallback } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const APPROVER = 'U0APPROVER1';
const CHANNEL = 'C0SOCKET';

/** A slash command as Socket Mode delivers it: the same fields as the HTTP form, as JSON. */
const slash = (text: string, user = 'U0ONCALL') => ({
  token: 'deprecated',
  team_id: 'T0001',
  team_domain: 'example',
  channel_id: CHANNEL,
  channel_name: 'incidents',
  user_id: user,
  user_name: user.toLowerCase(),
  command: '/claw',
  text,
  api_app_id: 'A0CLAW',
  is_enterprise_install: 'false',
  response_url: 'http://127.0.0.1:9/response',
  trigger_id: '7.8.9',
});

describe('Socket Mode: the same listeners over a WebSocket, no public endpoint', () => {
  const h = useSlackApp({
    clawYaml: `approvals:\n  approvers: [${APPROVER}]\n`,
    env: { SLACK_APP_TOKEN: 'xapp-test' },
    server: { supervisor: { pollMs: 100, verifyTimeoutMs: 20_000 } },
  });

  it('dials out with the app token and does not answer Slack over HTTP', async () => {
    await h.slack.socketReady();
    expect(h.slack.callsTo('apps.connections.open')[0]?.token).toBe('xapp-test');
    expect((await fetch(`${h.app.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it('acks a slash command with help in the ack itself', async () => {
    const ack = await h.slack.sendEnvelope('slash_commands', slash('help'));
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/claw investigate'),
    });
  });

  it('investigates, proposes, and executes once on an approval click; a retried event starts nothing twice', async () => {
    await h.slack.sendEnvelope('slash_commands', slash('investigate checkout is failing in shop'));
    const card = await waitFor(
      'the card',
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => c.args.channel === CHANNEL && JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    const proposalId = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements[0].value as string;
    const click = JSON.parse(
      new URLSearchParams(
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposalId,
          user: APPROVER,
          channel: CHANNEL,
          messageTs: card.result!.ts,
          threadTs: card.args.thread_ts,
        }),
      ).get('payload')!,
    );
    await h.slack.sendEnvelope('interactive', click);
    await waitFor(
      'applied and verified',
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).startsWith(':white_check_mark: Applied')),
      30_000,
    );
    expect(h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun)).toHaveLength(1);

    const mention = JSON.parse(
      eventCallback(
        {
          type: 'app_mention',
          user: 'U0ONCALL',
          text: '<@U0BOT> is redis ok in shop',
          ts: '1700000500.000100',
          channel: CHANNEL,
          event_ts: '1700000500.000100',
        },
        'Ev0SOCKET',
      ),
    );
    await h.slack.sendEnvelope('events_api', mention);
    await h.slack.sendEnvelope('events_api', mention, { retry_attempt: 1, retry_reason: 'timeout' });
    await waitFor('the mention answered', () =>
      h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === '1700000500.000100'),
    );
    await new Promise((r) => setTimeout(r, 300));
    const db = h.app.runtime.store.db;
    expect(
      await db.selectFrom('tasks').select('id').where('slack_thread_ts', '=', '1700000500.000100').execute(),
    ).toHaveLength(1);
  }, 60_000);
});
