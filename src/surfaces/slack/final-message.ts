import type { types } from '@slack/bolt';
import type { Finding } from '../../domain/findings.ts';
import type { Proposal } from '../../store/schema.ts';
import type { SlackMessage } from './blocks.ts';
import { clip, esc, permalink } from './mrkdwn.ts';

type KnownBlock = types.KnownBlock;

const ICON: Record<string, string> = {
  succeeded: ':white_check_mark:',
  escalated: ':rotating_light:',
  cancelled: ':no_entry_sign:',
};

/**
 * The run's last word in its thread: the summary, then the findings with their first evidence,
 * then each proposal with its fate and a link to its card. The `text` fallback carries the
 * summary alone (notifications, screen readers).
 */
export function finalMessage(r: {
  status: string;
  summary: string;
  runId: string;
  findings?: Finding[];
  proposals?: Proposal[];
  workspaceUrl?: string;
}): SlackMessage {
  const head = `${ICON[r.status] ?? ':x:'} *Run ${r.status}* (${r.runId})`;
  const text = clip(`${head}\n${esc(r.summary)}`, 2900);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const findings = (r.findings ?? []).filter((f) => f.category !== 'healthy').slice(0, 5);
  if (findings.length) {
    const lines = findings.map((f) => {
      const o = f.object;
      const evidence = f.evidence[0] ? `\n    > ${esc(clip(f.evidence[0].replace(/\s+/g, ' '), 300))}` : '';
      return `• \`${f.category}\` ${esc(o.kind)} \`${esc(o.namespace ? `${o.namespace}/${o.name}` : o.name)}\`: ${esc(clip(f.summary, 300))}${evidence}`;
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Findings*\n${lines.join('\n')}`, 2900) } });
  }
  const proposals = (r.proposals ?? []).slice(0, 8);
  if (proposals.length) {
    const lines = proposals.map((p) => {
      const link = permalink(r.workspaceUrl, p.slack_channel, p.slack_ts);
      return `• ${esc(clip(p.rationale, 200))} — *${p.status}*${link ? ` (<${link}|card>)` : ''} \`${p.id}\``;
    });
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Proposals*\n${lines.join('\n')}`, 2900) } });
  }
  return { text, blocks };
}
