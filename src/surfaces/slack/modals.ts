import type { types } from '@slack/bolt';
import type { Proposal } from '../../store/schema.ts';
import type { CardRef } from './blocks.ts';
import { clip, codeBlock, esc } from './mrkdwn.ts';

// The views a card opens (views.open): the whole change, and the reason a rejection needs.

export const REJECT_REASON_VIEW = 'claw_reject_reason';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'value';

/**
 * The whole dry-run diff in a modal: as many code sections as Slack allows (100 blocks); a diff
 * longer still says where to read the rest.
 */
export function diffModal(p: Pick<Proposal, 'id' | 'action' | 'diff' | 'run_id' | 'request_view'>): types.ModalView {
  const parts = [...modalChunks(p.request_view || '(not recorded)'), ...modalChunks(p.diff || '(no change)')];
  const requestParts = modalChunks(p.request_view || '(not recorded)').length;
  const shown = parts.slice(0, 96);
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Whole change' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${esc(p.action)} · proposal \`${p.id}\` · the request the executor sends, then what the API server would store (server-side dry-run)`,
          },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '*Request*' } },
      ...shown
        .slice(0, requestParts)
        .map((c) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text: codeBlock(c, 2900) } })),
      ...(shown.length > requestParts
        ? [
            {
              type: 'section' as const,
              text: {
                type: 'mrkdwn' as const,
                text: p.action === 'git_change' ? '*Diff of the candidate commit*' : '*Server dry-run diff*',
              },
            },
          ]
        : []),
      ...shown
        .slice(requestParts)
        .map((c) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text: codeBlock(c, 2900) } })),
      ...(parts.length > shown.length
        ? [
            {
              type: 'context' as const,
              elements: [
                {
                  type: 'mrkdwn' as const,
                  text: `${parts.length - shown.length} more parts: \`claw show ${p.run_id}\` prints it all.`,
                },
              ],
            },
          ]
        : []),
    ],
  };
}

/** Text cut at line ends into pieces that fit a section once escaped. */
function modalChunks(text: string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const piece = line.length > 2700 ? `${line.slice(0, 2690)}…` : line;
    if (esc(`${current}\n${piece}`).length > 2700) {
      chunks.push(current);
      current = piece;
    } else current = current ? `${current}\n${piece}` : piece;
  }
  chunks.push(current);
  return chunks;
}

/** The reason modal (views.open); Slack returns `private_metadata` untouched on submit. */
export function rejectReasonModal(card: CardRef, p: Pick<Proposal, 'action' | 'target'>): types.ModalView {
  const t = p.target;
  return {
    type: 'modal',
    callback_id: REJECT_REASON_VIEW,
    private_metadata: JSON.stringify(card),
    title: { type: 'plain_text', text: 'Reject proposal' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `Reject *${esc(p.action)}* on \`${esc(t.namespace ? `${t.namespace}/${t.name}` : t.name)}\`? Nothing will change in the cluster; the reason goes to the thread and to the agent.`,
            2900,
          ),
        },
      },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: REASON_INPUT,
          multiline: true,
          min_length: 3,
          max_length: 500,
          placeholder: { type: 'plain_text', text: 'e.g. the rollout is already being reverted through Argo CD' },
        },
      },
    ],
  };
}
