import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'metrics-signing-secret';
const TOKEN = 'metrics-am-token';
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/alertmanager/crashloop-firing.json', import.meta.url), 'utf8'),
);

/** One sample's value from the Prometheus text format; undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

describe('GET /metrics on claw serve', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: 'slack:\n  alertChannel: C0ALERTS\napprovals:\n  approvers: [U0APPROVER1]\n',
    env: { ALERTMANAGER_TOKEN: TOKEN },
    server: { alerts: { pollMs: 100, holdMs: 100 } },
  });
  const scrape = async () => {
    const res = await fetch(`${h.app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const send = (body: unknown, token = TOKEN) =>
    fetch(`${h.app.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it('counts what the bot did: notifications, runs, tool latency, proposals and their outcome, queue depth, Slack waits', async () => {
    const idle = await scrape();
    expect(sample(idle, 'claw_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(idle, 'claw_queue_depth{status="queued"}')).toBe(0);

    expect((await send(fixture, 'wrong')).status).toBe(401);
    // Slack answers the first post in the alert channel with a 429: the wait is counted, nothing is lost.
    h.slack.rateLimit({ method: 'chat.postMessage', channel: 'C0ALERTS', times: 1, retryAfter: 1 });
    const pod = h.sandbox.state.store.list(T.pod, 'shop').find((p) => p.metadata.name.startsWith('cart-'))!
      .metadata.name;
    const alert = {
      ...fixture,
      groupKey: '{}:{alertname="KubePodCrashLooping", namespace="shop"}',
      groupLabels: { alertname: 'KubePodCrashLooping', namespace: 'shop' },
      commonLabels: { ...fixture.commonLabels, namespace: 'shop' },
      alerts: [
        {
          ...fixture.alerts[0],
          labels: { ...fixture.alerts[0].labels, namespace: 'shop', pod },
          fingerprint: undefined,
        },
      ],
    };
    expect((await send(alert)).status).toBe(200);
    expect((await send(alert)).status).toBe(200);
    const card = await waitFor(
      'the proposal card',
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => JSON.stringify(c.args.blocks ?? []).includes('claw_approve') && c.result?.ok),
      60_000,
    );
    const proposal = await h.app.runtime.store.db
      .selectFrom('proposals')
      .select(['id', 'action', 'risk'])
      .executeTakeFirstOrThrow();

    const waiting = await scrape();
    expect(sample(waiting, 'claw_alert_notifications_total{result="unauthorized"}')).toBe(1);
    expect(sample(waiting, 'claw_alert_notifications_total{result="changed"}')).toBe(1);
    expect(sample(waiting, 'claw_alert_notifications_total{result="repeat"}')).toBe(1);
    expect(sample(waiting, 'claw_runs_total{status="awaiting_approval",worker="runbooks"}')).toBe(1);
    expect(sample(waiting, 'claw_tool_duration_seconds_count{tool="find_problems",ok="true"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(waiting, `claw_proposals_total{action="${proposal.action}",risk="${proposal.risk}"}`)).toBe(1);
    expect(sample(waiting, 'claw_queue_depth{status="awaiting_approval"}')).toBe(1);
    expect(sample(waiting, 'claw_slack_rate_limit_waits_total')).toBe(1);
    expect(sample(waiting, 'claw_slack_rate_limit_wait_seconds_total')).toBe(1);

    // Approved in Slack: the resumed run executes it once and the outcome is counted.
    const click = await postSigned(
      `${h.app.url}/slack/events`,
      SECRET,
      buttonClickBody({
        actionId: 'claw_approve',
        value: proposal.id,
        user: 'U0APPROVER1',
        channel: String(card.args.channel),
        messageTs: String(card.result!.ts),
        threadTs: String(card.args.thread_ts),
      }),
    );
    expect(click.status).toBe(200);
    const done = await waitFor(
      'the outcome counted',
      async () => {
        const text = await scrape();
        return sample(text, 'claw_proposal_outcomes_total{outcome="executed"}') === 1 ? text : undefined;
      },
      60_000,
      200,
    );
    expect(sample(done, 'claw_queue_depth{status="awaiting_approval"}')).toBe(0);
    expect(sample(done, 'claw_runs_total{status="succeeded",worker="runbooks"}')).toBe(1);
  }, 120_000);
});
