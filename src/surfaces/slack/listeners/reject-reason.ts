import type { App } from '@slack/bolt';
import { decide } from '../../../approvals/decide.ts';
import type { CardRef } from '../blocks.ts';
import { REASON_BLOCK, REASON_INPUT, REJECT_REASON_VIEW } from '../modals.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { approverGroupsOf, showDecision } from './show-decision.ts';

/**
 * The reason modal's submission: a reject with an empty reason, or one the decision path refuses,
 * keeps the modal open with the error under the field; otherwise the modal closes, the card shows
 * the rejection and the reason, and the run resumes knowing why.
 */
export function registerRejectReason(app: App, deps: SlackDeps): void {
  const groupsOf = approverGroupsOf(app, deps);
  app.view(REJECT_REASON_VIEW, async ({ ack, body, view, client }) => {
    const card = parseCard(view.private_metadata);
    const reason = view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value?.trim() ?? '';
    if (!card)
      return void (await ack({
        response_action: 'errors',
        errors: { [REASON_BLOCK]: 'This form is damaged; reject again from the card.' },
      }));
    if (reason.length < 3)
      return void (await ack({
        response_action: 'errors',
        errors: { [REASON_BLOCK]: 'Say why, in a few words: the thread and the agent read it.' },
      }));
    const actor = body.user.id;
    const result = await decide(
      { db: deps.db, config: deps.config },
      {
        proposalId: card.proposalId,
        actor,
        decision: 'reject',
        reason,
        requireReason: true,
        actorGroups: await groupsOf(actor),
        via: { surface: 'slack' },
      },
    );
    if (!result.ok)
      return void (await ack({ response_action: 'errors', errors: { [REASON_BLOCK]: result.message.slice(0, 150) } }));
    await ack();
    await showDecision(client, deps, card, actor, result);
  });
}

/** `private_metadata` comes back from Slack as we wrote it, but is still parsed as untrusted. */
function parseCard(raw: string): CardRef | undefined {
  try {
    const v = JSON.parse(raw) as Partial<CardRef>;
    const str = (x: unknown) => (typeof x === 'string' && x.length < 100 ? x : undefined);
    const proposalId = str(v.proposalId);
    return proposalId ? { proposalId, channel: str(v.channel), ts: str(v.ts), threadTs: str(v.threadTs) } : undefined;
  } catch {
    return undefined;
  }
}
