import type { App, webApi } from '@slack/bolt';
import type { DecisionResult } from '../../../approvals/decide.ts';
import { verdictOf } from '../../../domain/proposal.ts';
import { type CardRef, decidedCard, proposalCard } from '../blocks.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { userGroupResolver } from '../user-groups.ts';

/** The approver user groups (S…) an actor belongs to: claw.yaml approvers and the policy rules'. */
export function approverGroupsOf(app: App, deps: SlackDeps): (actor: string) => Promise<string[]> {
  const resolve = userGroupResolver(app.client);
  const groups = [
    ...deps.config.approvals.approvers,
    ...deps.config.policy.rules.flatMap((r) => r.approvers ?? []),
  ].filter((a) => a.startsWith('S'));
  return async (actor) => (groups.length ? resolve(actor, groups) : []);
}

/**
 * What a decision looks like in Slack. Refused: an ephemeral note, nothing else changes. One of
 * several approvals: a receipt, and the card counts "1 of 2" with its buttons kept. Decided: the
 * card loses its buttons and names who decided (and why, for a rejection); the run wakes.
 */
export async function showDecision(
  client: webApi.WebClient,
  deps: SlackDeps,
  card: CardRef,
  actor: string,
  result: DecisionResult,
): Promise<void> {
  if (!result.ok || result.outcome === 'needs_more') {
    await tellActor(
      client,
      card,
      actor,
      result.ok
        ? `Recorded your approval: ${result.approvals} of ${result.required} required; another approver must approve too.`
        : `:no_entry: ${result.message}`,
    );
    const ts = card.ts ?? result.proposal?.slack_ts;
    if (result.ok && card.channel && ts) {
      const updated = proposalCard(result.proposal, result.approvedBy);
      await client.chat.update({ channel: card.channel, ts, text: updated.text, blocks: updated.blocks });
    }
    return;
  }
  deps.notify();
  const ts = card.ts ?? result.proposal.slack_ts;
  if (!card.channel || !ts) return;
  const verdict = verdictOf(result.proposal);
  const reason = result.outcome === 'rejected' && verdict.kind === 'rejected' ? verdict.reason : null;
  const decided = decidedCard(
    result.proposal,
    result.outcome === 'approved' ? result.approvedBy : [actor],
    result.outcome,
    reason,
  );
  await client.chat.update({ channel: card.channel, ts, text: decided.text, blocks: decided.blocks });
}

/** A note only the actor sees, in the card's thread. */
export async function tellActor(client: webApi.WebClient, card: CardRef, actor: string, text: string): Promise<void> {
  if (!card.channel) return;
  await client.chat.postEphemeral({
    channel: card.channel,
    user: actor,
    text,
    ...(card.threadTs ? { thread_ts: card.threadTs } : {}),
  });
}
