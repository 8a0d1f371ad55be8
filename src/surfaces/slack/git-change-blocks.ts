import type { types } from '@slack/bolt';
import { type GitPushRequest, isGitPush } from '../../domain/git-change.ts';
import type { Proposal } from '../../store/schema.ts';
import { clip, codeBlock, esc } from './mrkdwn.ts';

type KnownBlock = types.KnownBlock;

/** Lines of CI's log the card shows; the whole excerpt kept is in `claw show`. */
const CARD_LOG_LINES = 12;

/**
 * What a git_change card shows instead of a server dry-run: where the commit goes, the files it
 * changes, CI's verdict with its duration and the end of its log, and the diff (whole, behind the
 * card's _Whole change_ button, when it is long).
 */
export function gitChangeSections(p: Proposal, diffChars: number): KnownBlock[] | undefined {
  if (!isGitPush(p.request)) return undefined;
  const r: GitPushRequest = p.request;
  const ci = p.dry_run.ok ? p.dry_run.ci : undefined;
  const files = p.request_view
    .split('\n')
    .filter((l) => /^ {2}- [ADMT] /.test(l))
    .map((l) => l.slice(4));
  const verdict = ci
    ? `${ci.ok ? ':white_check_mark: passed' : ':x: failed'} in ${(ci.durationMs / 1000).toFixed(1)} s (\`${esc(clip(ci.command, 120))}\`)`
    : 'not run';
  const log = ci?.log.trimEnd().split('\n').slice(-CARD_LOG_LINES).join('\n') ?? '';
  return [
    {
      type: 'section',
      fields: [
        {
          type: 'mrkdwn',
          text: `*Delivery*\n${esc(r.delivery)} → \`${esc(r.ref)}\`${r.delivery === 'pull-request' ? ` into \`${esc(r.tracked)}\`` : ''}`,
        },
        {
          type: 'mrkdwn',
          text: `*Commit*\n\`${r.commit.slice(0, 12)}\` on \`${esc(r.tracked)}\` at \`${r.base.slice(0, 12)}\``,
        },
        { type: 'mrkdwn', text: `*CI*\n${verdict}` },
        { type: 'mrkdwn', text: `*Manifests*\n${esc(clip(p.dry_run.ok ? (p.dry_run.manifests ?? '-') : '-', 200))}` },
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          `*Files changed (${files.length})*\n${files.map((f) => `\`${esc(f)}\``).join('\n') || '(none)'}`,
          2900,
        ),
      },
    },
    ...(log
      ? [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: `*CI log (end)*\n${codeBlock(log, 1500)}` },
          },
        ]
      : []),
    { type: 'section', text: { type: 'mrkdwn', text: `*Diff*\n${codeBlock(p.diff || '(no change)', diffChars)}` } },
  ];
}
