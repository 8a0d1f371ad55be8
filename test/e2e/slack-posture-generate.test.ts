import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-signing-secret';
const APPROVER = 'U0APPROVER1';
const CHANNEL = 'C0SECURITY';
const SEED = join(import.meta.dirname, '..', 'fixtures', 'security', 'posture.yaml');

describe('/claw security and /claw generate through Slack over real HTTP', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [${APPROVER}]\n`,
    seed: SEED,
    crashingIn: false,
  });
  const posts = () => h.slack.callsTo('chat.postMessage');

  it('refuses a question after `security` with usage help, starting nothing', async () => {
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'security please look at payments', user: 'U0ONCALL', channel: CHANNEL }),
    );
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('`security` takes only a scope');
    expect(posts()).toHaveLength(0);
  });

  it('posts the ranked review in a thread, worst first, caps the findings, and a fix goes through the card', async () => {
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'security', user: 'U0ONCALL', channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const root = await waitFor('the root message', () => posts().find((c) => !c.args.thread_ts));
    const card = await waitFor(
      'the proposal card',
      () => posts().find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    const thread = posts().filter((c) => c.args.thread_ts && c.args.thread_ts === card.args.thread_ts);
    const findings = thread.filter((c) => String(c.args.text).includes('*Finding*'));
    expect(findings).toHaveLength(8);
    expect(String(findings[0]!.args.text)).toContain('`vulnerable_image` · *critical*');
    expect(String(findings[1]!.args.text)).toContain('`rbac_excessive` · *critical*');
    expect(thread.some((c) => String(c.args.text).includes('More findings than fit a thread'))).toBe(true);
    expect(root.args.channel).toBe(CHANNEL);
    expect(JSON.stringify(card.args.blocks)).toContain('ghcr.io/acme/payments-api:2.15.1');

    const buttons = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements;
    const approve = await postSigned(
      h.events(),
      SECRET,
      buttonClickBody({
        actionId: 'claw_approve',
        value: buttons[0].value,
        user: APPROVER,
        channel: CHANNEL,
        messageTs: card.result!.ts as string,
        threadTs: card.args.thread_ts as string,
      }),
    );
    expect(approve.status).toBe(200);
    await waitFor(
      'the outcome',
      () => posts().find((c) => String(c.args.text).startsWith(':white_check_mark: Applied')),
      60_000,
    );
    const d = h.sandbox.state.store.get(T.deployment, 'payments', 'payments-api')!;
    expect(d.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/payments-api:2.15.1');
  });

  it('generates a bundle for a namespace and brings it as one approval card', async () => {
    const before = posts().length;
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({
        text: 'generate ledger from registry.example.com/pay/ledger:1.4.0 on port 9090 in staging',
        user: 'U0ONCALL',
        channel: CHANNEL,
      }),
    );
    expect(res.status).toBe(200);
    const card = await waitFor(
      'the bundle card',
      () =>
        posts()
          .slice(before)
          .find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    const text = JSON.stringify(card.args.blocks);
    expect(text).toContain('Apply 6 objects by server-side apply');
    expect(text).toContain('staging/ledger');
  });
});
