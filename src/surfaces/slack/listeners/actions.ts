import type { App, BlockButtonAction } from '@slack/bolt';
import { decide } from '../../../approvals/decide.ts';
import { APPROVE_ACTION, REJECT_ACTION, decidedCard, proposalCard } from '../blocks.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { userGroupResolver } from '../user-groups.ts';

/**
 * Approve / Reject clicks: the same decide() as the CLI. A refused click changes nothing and gets
 * an ephemeral explanation; a decided card loses its buttons. Execution happens in the supervisor.
 */
export function registerActions(app: App, deps: SlackDeps): void {
  const groupsOf = userGroupResolver(app.client);
  // Every user group that may approve anything: claw.yaml approvers and the policy rules' approvers.
  const groups = [...deps.config.approvals.approvers, ...deps.config.policy.rules.flatMap((r) => r.approvers ?? [])].filter((a) => a.startsWith('S'));
  for (const [actionId, decision] of [[APPROVE_ACTION, 'approve'], [REJECT_ACTION, 'reject']] as const) {
    app.action<BlockButtonAction>({ action_id: actionId }, async ({ ack, body, action, client }) => {
      await ack();
      const actor = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      const threadTs = body.message?.thread_ts ?? body.container?.thread_ts;
      const actorGroups = groups.length ? await groupsOf(actor, groups) : [];
      const result = await decide({ db: deps.db, config: deps.config }, { proposalId: action.value ?? '', actor, decision, actorGroups, reason: decision === 'reject' ? 'rejected in Slack' : undefined });
      if (!result.ok || result.outcome === 'needs_more') {
        const text = result.ok ? `Recorded your approval: ${result.approvals} of ${result.required} required; another approver must approve too.` : `:no_entry: ${result.message}`;
        if (channel) await client.chat.postEphemeral({ channel, user: actor, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
        // The card shows who has approved so far ("1 of 2"); its buttons stay for the next approver.
        const ts = body.message?.ts ?? result.proposal?.slack_ts;
        if (result.ok && channel && ts) {
          const card = proposalCard(result.proposal, result.approvedBy);
          await client.chat.update({ channel, ts, text: card.text, blocks: card.blocks });
        }
        return;
      }
      deps.notify();
      const ts = body.message?.ts ?? result.proposal.slack_ts;
      if (channel && ts) {
        const card = decidedCard(result.proposal, result.outcome === 'approved' ? result.approvedBy : [actor], result.outcome, result.proposal.status === 'rejected' ? 'rejected in Slack' : null);
        await client.chat.update({ channel, ts, text: card.text, blocks: card.blocks });
      }
    });
  }
}
