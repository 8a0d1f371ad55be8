import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/audit-log.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned, signedHeaders, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-signing-secret';
const APPROVER = 'U0APPROVER1';
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0INCIDENT';

describe('the whole loop through Slack over real HTTP', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [${APPROVER}]\n  ttlMinutes: 30\n`,
  });

  const events = () => `${h.app.url}/slack/events`;
  const realPatches = () => h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);

  it('answers health before anything else', async () => {
    const res = await fetch(`${h.app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('rejects a forged signature with 401 and creates nothing', async () => {
    const body = slashCommandBody({ text: 'investigate checkout', user: ONCALL, channel: CHANNEL });
    const res = await fetch(events(), { method: 'POST', body, headers: signedHeaders('not-the-secret', body) });
    expect(res.status).toBe(401);
    const stale = await fetch(events(), {
      method: 'POST',
      body,
      headers: signedHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 600),
    });
    expect(stale.status).toBe(401);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers malformed bodies with 400 and oversized ones with 413, and keeps serving', async () => {
    expect((await postSigned(events(), SECRET, 'payload=%7Bnot-json')).status).toBe(400);
    expect((await postSigned(events(), SECRET, `text=${'x'.repeat(2 * 1024 * 1024)}`)).status).toBe(413);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it('answers unknown input with ephemeral usage help', async () => {
    const res = await postSigned(
      events(),
      SECRET,
      slashCommandBody({ text: 'status not-a-run', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('/claw investigate');
  });

  it('investigates, proposes, refuses a non-approver, executes a double-clicked approval once, and reports', async () => {
    const started = Date.now();
    const res = await postSigned(
      events(),
      SECRET,
      slashCommandBody({ text: 'investigate checkout is failing after the release', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);

    const root = await waitFor('the root message', () =>
      h.slack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts),
    );
    expect(root.args.channel).toBe(CHANNEL);
    expect(String(root.args.text) + JSON.stringify(root.args.blocks)).toMatch(/cluster `sandbox-\d+-[0-9a-f]{6}`/);
    const rootTs = `${1700000001}.000100`;
    const card = await waitFor(
      'the proposal card',
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    expect(card.args.thread_ts).toBe(rootTs);
    const buttons = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements;
    expect(buttons.map((b: any) => b.action_id)).toEqual(['claw_approve', 'claw_reject', 'claw_view_diff']);
    const proposalId = buttons[0].value as string;
    expect(proposalId).toMatch(/^prop_/);
    const finding = h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('crash_loop'));
    expect(finding?.args.thread_ts).toBe(rootTs);
    expect(JSON.stringify(card.args.blocks)).toContain('cart:1.4.1');
    expect(realPatches()).toHaveLength(0);

    const cardTs = card.result!.ts as string;
    const click = (user: string) =>
      postSigned(
        events(),
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposalId,
          user,
          channel: CHANNEL,
          messageTs: cardTs,
          threadTs: rootTs,
        }),
      );

    // Someone who is not an approver: nothing changes, an ephemeral explains why.
    expect((await click('U0STRANGER')).status).toBe(200);
    const refusal = await waitFor('the ephemeral refusal', () =>
      h.slack.callsTo('chat.postEphemeral').find((c) => c.args.user === 'U0STRANGER'),
    );
    expect(refusal.args.text).toContain('not an approver');
    await new Promise((r) => setTimeout(r, 300));
    expect(realPatches()).toHaveLength(0);

    // A double click by the approver: two concurrent requests, one decision, one execution.
    const [a, b] = await Promise.all([click(APPROVER), click(APPROVER)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const loser = await waitFor('the double-click explanation', () =>
      h.slack.callsTo('chat.postEphemeral').find((c) => c.args.user === APPROVER),
    );
    expect(loser.args.text).toMatch(/already (approved|executing|executed|recorded)|already recorded a decision/);
    const outcome = await waitFor(
      'the outcome in the thread',
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).startsWith(':white_check_mark: Applied')),
      60_000,
    );
    expect(outcome.args.thread_ts).toBe(rootTs);
    expect(outcome.args.text).toContain('successfully rolled out');
    const final = await waitFor('the final summary', () =>
      h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Run succeeded')),
    );
    expect(final.args.thread_ts).toBe(rootTs);
    // The last word lists what was found (with evidence) and each proposal's fate, linked to its card.
    const last = JSON.stringify(final.args.blocks);
    expect(last).toContain('*Findings*');
    expect(last).toContain('`crash_loop` Deployment `shop/cart`');
    expect(last).toContain(
      `— *executed* (<https://example.slack.com/archives/${CHANNEL}/p${cardTs.replace('.', '')}|card>)`,
    );

    const cardUpdate = h.slack.callsTo('chat.update').find((c) => c.args.ts === cardTs);
    expect(JSON.stringify(cardUpdate?.args.blocks)).toContain(`Approved* by <@${APPROVER}>`);
    expect(JSON.stringify(cardUpdate?.args.blocks)).not.toContain('claw_approve');

    const patches = realPatches();
    expect(patches).toHaveLength(1);
    expect(patches[0]!.path).toBe('/apis/apps/v1/namespaces/shop/deployments/cart');
    const cart = h.sandbox.state.store.get(T.deployment, 'shop', 'cart')!;
    expect(cart.spec.template.spec.containers[0].image).toBe('registry.example.com/shop/cart:1.4.1');
    expect(cart.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');

    const db = h.app.runtime.store.db;
    const p = await db.selectFrom('proposals').selectAll().where('id', '=', proposalId).executeTakeFirstOrThrow();
    expect(p.status).toBe('executed');
    const approvals = await db.selectFrom('approvals').selectAll().where('proposal_id', '=', proposalId).execute();
    expect(approvals.map((x) => x.actor)).toEqual([APPROVER]);
    const audit = await db.selectFrom('audit_log').select(['action', 'actor']).orderBy('seq').execute();
    expect(audit.map((x) => x.action)).toEqual(
      expect.arrayContaining([
        'proposal.created',
        'proposal.decision_refused',
        'proposal.approve',
        'proposal.approved_final',
        'proposal.executing',
        'proposal.executed',
      ]),
    );
    expect(audit.filter((x) => x.action === 'proposal.executing')).toHaveLength(1);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: audit.length });

    // A late click after execution changes nothing.
    const before = h.slack.callsTo('chat.postEphemeral').length;
    await click(APPROVER);
    const late = await waitFor('the late-click explanation', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .slice(before)
        .find((c) => c.args.user === APPROVER),
    );
    expect(late.args.text).toContain('already executed');
    expect(realPatches()).toHaveLength(1);
  });
});

describe('a restart through Slack when there is no revision to roll back to', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [${APPROVER}]\n`,
    seed: join(import.meta.dirname, '..', 'fixtures', 'single-revision-crash.yaml'),
    crashingIn: 'payments',
  });

  it('proposes rollout_restart and applies it exactly once on approval', async () => {
    const rsBefore = h.sandbox.state.store
      .list(T.replicaSet, 'payments')
      .filter((rs) => rs.metadata.name.startsWith('ledger-worker')).length;
    await postSigned(
      `${h.app.url}/slack/events`,
      SECRET,
      slashCommandBody({ text: 'ledger worker keeps dying in payments', user: ONCALL, channel: CHANNEL }),
    );
    const card = await waitFor(
      'the proposal card',
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    expect(JSON.stringify(card.args.blocks)).toContain('rollout_restart');
    const proposalId = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements[0].value as string;
    const cardTs = `${1700000000 + h.slack.callsTo('chat.postMessage').indexOf(card) + 1}.000100`;
    const click = () =>
      postSigned(
        `${h.app.url}/slack/events`,
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposalId,
          user: APPROVER,
          channel: CHANNEL,
          messageTs: cardTs,
          threadTs: card.args.thread_ts,
        }),
      );
    await Promise.all([click(), click(), click()]);
    // The restarted pods run the same crashing image: applied, but the rollout cannot verify.
    const outcome = await waitFor(
      'the outcome',
      () => h.slack.callsTo('chat.postMessage').find((c) => /Applied|Not applied/.test(String(c.args.text))),
      60_000,
    );
    expect(outcome.args.thread_ts).toBe(card.args.thread_ts);
    const patches = h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);
    expect(patches).toHaveLength(1);
    expect(patches[0]!.contentType).toContain('strategic-merge-patch');
    const worker = h.sandbox.state.store.get(T.deployment, 'payments', 'ledger-worker')!;
    expect(worker.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(
      h.sandbox.state.store.list(T.replicaSet, 'payments').filter((rs) => rs.metadata.name.startsWith('ledger-worker'))
        .length,
    ).toBe(rsBefore + 1);
  }, 90_000);
});
