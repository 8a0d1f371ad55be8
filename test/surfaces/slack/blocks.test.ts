import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../../src/store/schema.ts';
import { APPROVE_ACTION, closedCard, decidedCard, proposalCard } from '../../../src/surfaces/slack/blocks.ts';
import { rejectReasonModal } from '../../../src/surfaces/slack/modals.ts';

function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    id: 'prop_01',
    run_id: 'run_01',
    task_id: 'task_01',
    action: 'scale',
    cluster: 'prod-eu',
    target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    request: {},
    target_spec_hash: 'a',
    artifact_hash: 'f'.repeat(64),
    dry_run: { ok: true },
    diff: '-replicas: 3\n+replicas: 0',
    risk: 'low',
    blast_radius: { description: '3 pods' },
    rationale: 'Scale cart to zero <!channel>',
    required_approvals: 1,
    policy_rule: 'default',
    approvers: [],
    status: 'pending',
    outcome: null,
    slack_channel: null,
    slack_ts: null,
    expires_at: new Date('2026-11-28T12:00:00Z'),
    created_at: new Date(),
    decided_at: null,
    executed_at: null,
    ...over,
  } as Proposal;
}

const approveButton = (p: Proposal) =>
  (
    proposalCard(p).blocks!.find((b) => b.type === 'actions') as {
      elements: { action_id: string; confirm?: unknown }[];
    }
  ).elements.find((e) => e.action_id === APPROVE_ACTION)!;

describe('proposal cards and the reject modal (Block Kit limits)', () => {
  it('asks "are you sure" before a high-risk approval counts, and not for a low-risk one', () => {
    expect(approveButton(proposal({ risk: 'high' })).confirm).toMatchObject({
      title: { text: 'Approve a high-risk change?' },
      style: 'danger',
    });
    expect(approveButton(proposal({ risk: 'low' })).confirm).toBeUndefined();
    // The confirm text is escaped like the rest: cluster or model text cannot ping a channel.
    expect(JSON.stringify(approveButton(proposal({ risk: 'high' })).confirm)).not.toContain('<!channel>');
  });

  it('builds a modal within Slack limits that carries the card through private_metadata', () => {
    const card = {
      proposalId: 'prop_01',
      channel: 'C0INCIDENT',
      ts: '1700000002.000100',
      threadTs: '1700000001.000100',
    };
    const view = rejectReasonModal(card, proposal());
    expect(view).toMatchObject({ type: 'modal', callback_id: 'claw_reject_reason' });
    expect(JSON.parse(view.private_metadata!)).toEqual(card);
    expect(view.private_metadata!.length).toBeLessThanOrEqual(3000);
    for (const label of [view.title, view.submit!, view.close!]) expect(label.text.length).toBeLessThanOrEqual(24);
    expect(view.blocks.find((b) => b.type === 'input')).toMatchObject({
      block_id: 'reason',
      element: { type: 'plain_text_input', action_id: 'value', min_length: 3 },
    });
  });

  it('shows the rejection and its reason on the decided card, without buttons, escaped', () => {
    const card = decidedCard(
      proposal({ status: 'rejected' }),
      ['U0APPROVER1'],
      'rejected',
      'not during <!here> the sale',
    );
    const json = JSON.stringify(card.blocks);
    expect(json).toContain('Rejected* by <@U0APPROVER1>');
    expect(json).toContain('not during &lt;!here&gt; the sale');
    expect(json).not.toContain(APPROVE_ACTION);
  });

  it('closes an expired or superseded card without buttons, saying nothing changed', () => {
    for (const status of ['expired', 'superseded'] as const) {
      const json = JSON.stringify(closedCard(proposal({ status })).blocks);
      expect(json).toContain(
        status === 'expired' ? 'Expired* without a decision; nothing was changed' : 'Superseded* by a newer proposal',
      );
      expect(json).not.toContain(APPROVE_ACTION);
    }
  });
});
