import { describe, expect, it } from 'vitest';
import { proposalCard } from '../../src/surfaces/slack/blocks.ts';
import { makeProposal } from '../helpers/proposal-fixture.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned, slashCommandBody, viewSubmissionBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'reject-secret';
const APPROVER = 'U0APPROVER1';
const CHANNEL = 'C0INCIDENT';

describe("a proposal card's life in Slack: rejected with a reason, or superseded by a newer one", () => {
  const h = useSlackApp({ secret: SECRET, clawYaml: `approvals:\n  approvers: [${APPROVER}]\n` });

  it('opens the modal for an approver only, refuses an empty reason in the modal, and records a real one', async () => {
    await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'investigate checkout is failing', user: 'U0ONCALL', channel: CHANNEL }),
    );
    const card = await waitFor(
      'the proposal card',
      () =>
        h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_reject')),
      30_000,
    );
    const proposalId = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements[1].value as string;
    const cardTs = card.result!.ts as string;
    const rootTs = card.args.thread_ts as string;
    const clickReject = (user: string) =>
      postSigned(
        h.events(),
        SECRET,
        buttonClickBody({
          actionId: 'claw_reject',
          value: proposalId,
          user,
          channel: CHANNEL,
          messageTs: cardTs,
          threadTs: rootTs,
        }),
      );

    // Not an approver: told at once, no modal.
    expect((await clickReject('U0STRANGER')).status).toBe(200);
    await waitFor('the refusal', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.args.user === 'U0STRANGER' && String(c.args.text).includes('not an approver')),
    );
    expect(h.slack.callsTo('views.open')).toHaveLength(0);

    await clickReject(APPROVER);
    const opened = await waitFor('the reason modal', () => h.slack.callsTo('views.open')[0]);
    expect(opened.args.trigger_id).toBe('1.2.3');
    expect(opened.args.view).toMatchObject({ type: 'modal', callback_id: 'claw_reject_reason' });
    const metadata = opened.args.view.private_metadata as string;
    expect(JSON.parse(metadata)).toEqual({ proposalId, channel: CHANNEL, ts: cardTs, threadTs: rootTs });

    const submit = (reason: string | null, user = APPROVER, privateMetadata = metadata) =>
      postSigned(
        h.events(),
        SECRET,
        viewSubmissionBody({
          callbackId: 'claw_reject_reason',
          privateMetadata,
          user,
          values: { reason: { value: { type: 'plain_text_input', value: reason } } },
        }),
      );
    // An empty reason keeps the modal open with the error under the field; nothing is decided.
    const empty = await submit('  ');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('Say why') },
    });
    const damaged = await submit('reason enough', APPROVER, '{not json');
    expect(await damaged.json()).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('damaged') },
    });
    const db = h.app.runtime.store.db;
    expect(
      (await db.selectFrom('proposals').select('status').where('id', '=', proposalId).executeTakeFirstOrThrow()).status,
    ).toBe('pending');

    const reason = 'Argo CD is already rolling back cart; do not fight it';
    const done = await submit(reason);
    expect(done.status).toBe(200);
    expect(await done.text()).toBe(''); // a plain ack closes the modal
    const updated = await waitFor('the rejected card', () =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.args.ts === cardTs && JSON.stringify(c.args.blocks).includes('Rejected*')),
    );
    expect(JSON.stringify(updated.args.blocks)).toContain(`by <@${APPROVER}>`);
    expect(JSON.stringify(updated.args.blocks)).toContain('Argo CD is already rolling back cart');
    expect(JSON.stringify(updated.args.blocks)).not.toContain('claw_approve');

    // The run resumes knowing why, and says so in the thread; nothing touched the cluster.
    const final = await waitFor(
      'the final summary',
      () => h.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('Run succeeded')),
      30_000,
    );
    expect(final.args.text).toContain('rejected by U0APPROVER1');
    expect(final.args.text).toContain('Argo CD is already rolling back cart');
    expect(h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun)).toHaveLength(0);
    const audit = await db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'data'])
      .where('action', '=', 'proposal.reject')
      .execute();
    expect(audit).toEqual([expect.objectContaining({ actor: APPROVER, data: expect.objectContaining({ reason }) })]);

    // A second submission (a stale modal) decides nothing more.
    const again = await submit('changed my mind');
    expect(await again.json()).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('already rejected') },
    });
  }, 60_000);

  it('a newer proposal for the same target closes the older card, audits it and ends its run', async () => {
    const cards = () =>
      h.slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve'));
    const seen = cards().length;
    await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'investigate cart is down', user: 'U0ONCALL', channel: CHANNEL }),
    );
    const older = await waitFor('the first card', () => cards()[seen], 30_000);
    await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'investigate checkout errors', user: 'U0OTHER', channel: CHANNEL }),
    );
    const newer = await waitFor('the second card', () => cards()[seen + 1], 30_000);
    const idOf = (c: typeof older) =>
      (c.args.blocks as any[]).find((b) => b.type === 'actions').elements[0].value as string;
    expect(newer.args.thread_ts).not.toBe(older.args.thread_ts);

    const closed = await waitFor('the older card closed', () =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.args.ts === older.result!.ts && JSON.stringify(c.args.blocks).includes('Superseded')),
    );
    expect(JSON.stringify(closed.args.blocks)).not.toContain('claw_approve');
    const ended = await waitFor(
      "the older run's end",
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => c.args.thread_ts === older.args.thread_ts && String(c.args.text).includes('Run succeeded')),
      30_000,
    );
    expect(ended.args.text).toContain('was superseded; no change was made');
    const db = h.app.runtime.store.db;
    const audit = await db
      .selectFrom('audit_log')
      .select(['subject', 'data'])
      .where('action', '=', 'proposal.superseded')
      .execute();
    expect(audit).toEqual([{ subject: idOf(older), data: { by: idOf(newer) } }]);
    // A late click on the closed card decides nothing.
    await postSigned(
      h.events(),
      SECRET,
      buttonClickBody({
        actionId: 'claw_approve',
        value: idOf(older),
        user: APPROVER,
        channel: CHANNEL,
        messageTs: older.result!.ts,
        threadTs: older.args.thread_ts,
      }),
    );
    await waitFor('the late click explained', () =>
      h.slack.callsTo('chat.postEphemeral').find((c) => String(c.args.text).includes('already superseded')),
    );
    expect(
      (await db.selectFrom('proposals').select('status').where('id', '=', idOf(newer)).executeTakeFirstOrThrow())
        .status,
    ).toBe('pending');
  }, 60_000);

  it('every card offers the whole change (the request, then the diff) in a modal, split within Block Kit limits', async () => {
    const data = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`key-${i}`, `value number ${i} `.repeat(4)]),
    );
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big', namespace: 'shop' },
      data,
    });
    const { proposal } = await makeProposal(h.app.runtime.store.db, h.sandbox, h.app.runtime.config, 'apply_manifest', {
      manifest,
    });
    const buttons = (
      proposalCard(proposal).blocks!.find((b) => b.type === 'actions') as { elements: { action_id: string }[] }
    ).elements.map((e) => e.action_id);
    expect(buttons).toEqual(['claw_approve', 'claw_reject', 'claw_view_diff']);
    await postSigned(
      h.events(),
      SECRET,
      buttonClickBody({
        actionId: 'claw_view_diff',
        value: proposal.id,
        user: 'U0ANYONE',
        channel: CHANNEL,
        messageTs: '1700000900.000100',
        threadTs: '1700000800.000100',
      }),
    );
    const opened = await waitFor('the whole-change modal', () =>
      h.slack.callsTo('views.open').find((c) => c.args.view?.title?.text === 'Whole change'),
    );
    const sections = (opened.args.view.blocks as { type: string; text?: { text: string } }[]).filter(
      (b) => b.type === 'section',
    );
    expect(sections.length).toBeGreaterThan(3);
    expect(opened.args.view.blocks.length).toBeLessThanOrEqual(100);
    for (const b of sections) expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    const shown = sections.map((b) => b.text!.text).join('\n');
    expect(shown).toContain('key-0');
    expect(shown).toContain('key-399');
    expect(shown.indexOf('*Request*')).toBeLessThan(shown.indexOf('# PATCH v1 ConfigMap shop/big (apply)'));
    expect(shown.indexOf('# PATCH v1 ConfigMap shop/big (apply)')).toBeLessThan(shown.indexOf('*Server dry-run diff*'));
  }, 60_000);
});
