import type { types } from '@slack/bolt';
import type { RepoConfig } from '../../config/config.ts';
import type { Finding } from '../../domain/findings.ts';

type KnownBlock = types.KnownBlock;

import type { Proposal, Task } from '../../store/schema.ts';
import { gitChangeSections } from './git-change-blocks.ts';
import { clip, codeBlock, esc } from './mrkdwn.ts';

// Pure Block Kit builders: data in, message out. Cluster text is escaped and clipped (Block Kit:
// 3000 chars per section text, 50 blocks per message).

export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

export const APPROVE_ACTION = 'claw_approve';
export const REJECT_ACTION = 'claw_reject';
export const WITHDRAW_ACTION = 'claw_withdraw';
/** On a card whose diff did not fit: opens the whole diff in a modal. */
export const VIEW_DIFF_ACTION = 'claw_view_diff';
/** How much of the diff a card shows (a section's text is at most 3000 characters). */
const CARD_DIFF_CHARS = 2700;
/** The modal a Reject click opens: a rejection needs a reason (callback_id, input block and action). */

/** Where the card lives, carried through the modal in `private_metadata`. */
export interface CardRef {
  proposalId: string;
  channel?: string;
  ts?: string;
  threadTs?: string;
}

/**
 * A task's first word in its thread: what was asked and its scope — the cluster and namespace for
 * an investigation; for a change, the repository and the gates it must clear.
 */
export function rootMessage(
  task: Pick<Task, 'question' | 'namespace' | 'requester'>,
  cluster: string,
  repo?: Pick<RepoConfig, 'name' | 'branch' | 'ci' | 'delivery'>,
): SlackMessage {
  const text = repo
    ? `:hammer_and_wrench: Changing \`${esc(repo.name)}\`: ${esc(task.question)}`
    : `:mag: Investigating: ${esc(task.question)}`;
  const scope = repo
    ? `From the head of \`${esc(repo.branch)}\` · CI \`${esc(clip(repo.ci, 120))}\` must pass · delivered by ${repo.delivery} once an approver decides`
    : `Scope: cluster \`${esc(cluster)}\`, ${task.namespace ? `namespace \`${esc(task.namespace)}\`` : 'every namespace'}`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${text}\n${scope} · requested by <@${task.requester}>` },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Progress, findings and proposals follow in this thread.' }],
      },
    ],
  };
}

export function progressMessage(lines: string[], runId: string): SlackMessage {
  const shown = lines.slice(-15).map((l) => `• ${esc(l)}`);
  if (lines.length > 15) shown.unshift(`… ${lines.length - 15} earlier steps`);
  return { text: clip(`*Progress* (${runId})\n${shown.join('\n')}`, 2900) };
}

export function findingMessage(f: Finding): SlackMessage {
  const evidence = f.evidence
    .slice(0, 6)
    .map((e) => `• ${esc(clip(e, 480))}`)
    .join('\n');
  const icon =
    f.severity === 'critical'
      ? ':red_circle:'
      : f.severity === 'low'
        ? ':small_blue_diamond:'
        : ':large_orange_diamond:';
  const text = `${icon} *Finding* \`${f.category}\`${f.severity ? ` · *${f.severity}*` : ''}: ${esc(f.summary)}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(text, 2900) } },
      ...(evidence
        ? [
            {
              type: 'section' as const,
              text: { type: 'mrkdwn' as const, text: clip(`*Evidence from the cluster*\n${evidence}`, 2900) },
            },
          ]
        : []),
    ],
  };
}

/** How propose() words a proposal that no configured approvers could ever approve. */
const UNAPPROVABLE = 'cannot be approved as configured: ';

function noticeBlocks(icon: string, title: string, lines: string[]): KnownBlock[] {
  if (!lines.length) return [];
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${icon} *${title}*\n${lines.map((w) => `• ${esc(w)}`).join('\n')}`, 2900) },
    },
  ];
}

function proposalDetails(p: Proposal, approvedBy: readonly string[] = []): KnownBlock[] {
  const t = p.target;
  const { description: blast = '', rollback, warnings = [] } = p.blast_radius;
  const stuck = warnings.filter((w) => w.startsWith(UNAPPROVABLE));
  const risky = warnings.filter((w) => !w.startsWith(UNAPPROVABLE));
  return [
    { type: 'header', text: { type: 'plain_text', text: clip(`Approval needed: ${p.action}`, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(esc(p.rationale), 2900) } },
    {
      type: 'section',
      fields: [
        {
          type: 'mrkdwn',
          text: `*Target*\n${esc(t.kind)} \`${esc(t.namespace ? `${t.namespace}/${t.name}` : t.name)}\``,
        },
        // A git_change with no manifests to dry-run has no cluster of its own (stored as `git`).
        ...(p.action === 'git_change' && p.cluster === 'git'
          ? []
          : [{ type: 'mrkdwn' as const, text: `*Cluster*\n\`${esc(p.cluster)}\`` }]),
        { type: 'mrkdwn', text: `*Risk*\n${p.risk}` },
        {
          type: 'mrkdwn',
          text: `*Approvals*\n${approvedBy.length ? `${approvedBy.length} of ${p.required_approvals}: ${approvedBy.map((a) => `<@${esc(a)}>`).join(', ')}` : `${p.required_approvals} required`}${p.policy_rule ? ` (${esc(p.policy_rule)})` : ''}`,
        },
        { type: 'mrkdwn', text: `*Blast radius*\n${esc(clip(blast, 200))}` },
        {
          type: 'mrkdwn',
          text: `*Expires*\n<!date^${Math.floor(new Date(p.expires_at).getTime() / 1000)}^{time}|${new Date(p.expires_at).toISOString()}>`,
        },
      ],
    },
    ...noticeBlocks(
      ':no_entry:',
      'Cannot be approved as configured',
      stuck.map((w) => w.slice(UNAPPROVABLE.length)),
    ),
    ...noticeBlocks(':warning:', 'Riskier than it looks', risky),
    ...(gitChangeSections(p, CARD_DIFF_CHARS) ?? [
      {
        type: 'section' as const,
        text: {
          type: 'mrkdwn' as const,
          text: `*Server dry-run diff*\n${codeBlock(p.diff || '(no change)', CARD_DIFF_CHARS)}`,
        },
      },
    ]),
    ...(rollback
      ? [
          {
            type: 'context' as const,
            elements: [{ type: 'mrkdwn' as const, text: clip(`*To undo:* ${esc(rollback)}`, 2900) }],
          },
        ]
      : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Proposal \`${p.id}\` · artifact \`${p.artifact_hash.slice(0, 16)}\` · the approval binds to exactly this change`,
        },
      ],
    },
  ];
}

/** The card with Approve / Reject; `value` is the proposal id (docs/slack.md). */
export function proposalCard(p: Proposal, approvedBy: readonly string[] = []): SlackMessage {
  return {
    // The fallback text reaches notifications and screen readers: escaped like the blocks.
    text: clip(`Approval needed: ${esc(p.rationale)}`, 2900),
    blocks: [
      ...proposalDetails(p, approvedBy),
      {
        type: 'actions',
        block_id: `proposal:${p.id}`,
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: p.id,
            // A high-risk change asks "are you sure" before the click counts.
            ...(p.risk === 'high'
              ? {
                  confirm: {
                    title: { type: 'plain_text' as const, text: 'Approve a high-risk change?' },
                    text: {
                      type: 'mrkdwn' as const,
                      text: clip(`${esc(p.action)} on \`${esc(p.cluster)}\`: ${esc(p.rationale)}`, 300),
                    },
                    confirm: { type: 'plain_text' as const, text: 'Approve' },
                    deny: { type: 'plain_text' as const, text: 'Cancel' },
                    style: 'danger' as const,
                  },
                }
              : {}),
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: p.id,
          },
          // Once someone approved ("1 of 2"), they may take it back until it executes.
          ...(approvedBy.length
            ? [
                {
                  type: 'button' as const,
                  action_id: WITHDRAW_ACTION,
                  text: { type: 'plain_text' as const, text: 'Withdraw my approval' },
                  value: p.id,
                },
              ]
            : []),
          // The request itself, in full, is what is approved: always one click away.
          {
            type: 'button',
            action_id: VIEW_DIFF_ACTION,
            text: { type: 'plain_text', text: 'Whole change' },
            value: p.id,
          },
        ],
      },
    ],
  };
}

/** After a decision: the same card, buttons replaced by the record of who decided and when. */
export function decidedCard(
  p: Proposal,
  actors: readonly string[],
  decision: 'approved' | 'rejected',
  reason?: string | null,
): SlackMessage {
  const icon = decision === 'approved' ? ':white_check_mark:' : ':x:';
  const record = `${icon} *${decision === 'approved' ? 'Approved' : 'Rejected'}* by ${actors.map((a) => `<@${a}>`).join(' and ')} <!date^${Math.floor(Date.now() / 1000)}^{date_short_pretty} {time}|now>${reason ? `: ${esc(reason)}` : ''}`;
  return {
    text: clip(`${decision} by ${actors.map(esc).join(', ')}: ${esc(p.rationale)}`, 2900),
    blocks: [
      ...proposalDetails(p, decision === 'approved' ? actors : []),
      { type: 'section', text: { type: 'mrkdwn', text: record } },
    ],
  };
}

/** A card nobody decided: it expired (fail closed) or a newer proposal replaced it. Buttons gone. */
export function closedCard(p: Proposal): SlackMessage {
  const note =
    p.status === 'superseded'
      ? ':twisted_rightwards_arrows: *Superseded* by a newer proposal for the same target; nothing was changed'
      : `:hourglass: *${p.status === 'expired' ? 'Expired' : esc(p.status)}* without a decision; nothing was changed`;
  return {
    text: clip(`${p.status}: ${esc(p.rationale)}`, 2900),
    blocks: [...proposalDetails(p), { type: 'section', text: { type: 'mrkdwn', text: note } }],
  };
}

export function outcomeMessage(e: {
  applied: boolean;
  verified: boolean;
  message: string;
  proposalId: string;
}): SlackMessage {
  const icon = e.applied && e.verified ? ':white_check_mark:' : e.applied ? ':warning:' : ':no_entry:';
  return { text: `${icon} ${e.applied ? 'Applied' : 'Not applied'} (${e.proposalId}): ${esc(e.message)}` };
}

export function textMessage(text: string): SlackMessage {
  return { text: clip(esc(text), 2900) };
}
