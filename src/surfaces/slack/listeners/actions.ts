import type { App, BlockButtonAction } from '@slack/bolt';
import { decide, mayNotDecide } from '../../../approvals/decide.ts';
import { withdrawApproval } from '../../../approvals/withdraw.ts';
import { getProposal } from '../../../store/proposals.ts';
import {
  APPROVE_ACTION,
  type CardRef,
  proposalCard,
  REJECT_ACTION,
  VIEW_DIFF_ACTION,
  WITHDRAW_ACTION,
} from '../blocks.ts';
import { diffModal, rejectReasonModal } from '../modals.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { approverGroupsOf, showDecision, tellActor } from './show-decision.ts';

/**
 * Approve clicks go to the same decide() as the CLI; Reject opens a modal for the reason
 * (reject-reason.ts records it). A refused click changes nothing and gets an ephemeral
 * explanation. Execution happens in the supervisor, never here.
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const groupsOf = approverGroupsOf(app, deps);
  app.action<BlockButtonAction>({ action_id: APPROVE_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const card = cardOf(body, action);
    const actor = body.user.id;
    const result = await decide(
      { db: deps.db, config: deps.config },
      {
        proposalId: card.proposalId,
        actor,
        decision: 'approve',
        actorGroups: await groupsOf(actor),
        via: { surface: 'slack' },
      },
    );
    await showDecision(client, deps, card, actor, result);
  });

  app.action<BlockButtonAction>({ action_id: REJECT_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const card = cardOf(body, action);
    const actor = body.user.id;
    const proposal = await getProposal(deps.db, card.proposalId);
    // Someone who may not reject (or a card already decided) hears so now, not after typing a reason.
    const refused = proposal
      ? await mayNotDecide(deps, proposal, { actor, decision: 'reject', actorGroups: await groupsOf(actor) })
      : { message: `no proposal ${card.proposalId}` };
    if (!proposal || refused) return tellActor(client, card, actor, `:no_entry: ${refused?.message}`);
    // trigger_id is single-use and lives about three seconds: open the modal before anything slow.
    await client.views.open({ trigger_id: body.trigger_id, view: rejectReasonModal(card, proposal) });
  });

  // An approver takes back their approval; the card counts again. Anyone else is told they have none.
  app.action<BlockButtonAction>({ action_id: WITHDRAW_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const card = cardOf(body, action);
    const actor = body.user.id;
    const result = await withdrawApproval(
      { db: deps.db, config: deps.config },
      { proposalId: card.proposalId, actor, via: { surface: 'slack' } },
    );
    if (!result.ok) return tellActor(client, card, actor, `:no_entry: ${result.message}`);
    await tellActor(
      client,
      card,
      actor,
      `Withdrew your approval: ${result.approvals} of ${result.required} required; nothing changes until approvers decide again.`,
    );
    const ts = card.ts ?? result.proposal.slack_ts;
    if (card.channel && ts) {
      const updated = proposalCard(result.proposal, result.approvedBy);
      await client.chat.update({ channel: card.channel, ts, text: updated.text, blocks: updated.blocks });
    }
  });

  // Anyone in the channel may read the whole diff; it is the same redacted text the card shows.
  app.action<BlockButtonAction>({ action_id: VIEW_DIFF_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const proposal = await getProposal(deps.db, action.value ?? '');
    if (!proposal)
      return tellActor(client, cardOf(body, action), body.user.id, `:no_entry: no proposal ${action.value}`);
    await client.views.open({ trigger_id: body.trigger_id, view: diffModal(proposal) });
  });
}

function cardOf(body: BlockButtonAction, action: BlockButtonAction['actions'][number]): CardRef {
  return {
    proposalId: action.value ?? '',
    channel: body.channel?.id ?? body.container?.channel_id,
    ts: body.message?.ts,
    threadTs: body.message?.thread_ts ?? body.container?.thread_ts,
  };
}
