import type { types } from '@slack/bolt';
import type { ChannelDigest } from '../../store/daily-digest.ts';
import type { SlackMessage } from './blocks.ts';
import { clip, esc } from './mrkdwn.ts';

const MAX_ITEMS = 10;
const archive = (channel: string, ts: string | null) =>
  ts ? `https://slack.com/archives/${channel}/p${ts.replace('.', '')}` : undefined;
const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`)
    .join(', ');

function list<T>(items: T[], line: (item: T) => string): string {
  const shown = items.slice(0, MAX_ITEMS).map(line);
  if (items.length > MAX_ITEMS) shown.push(`…and ${items.length - MAX_ITEMS} more`);
  return clip(shown.join('\n'), 2900);
}

/** A channel's morning summary: open incidents, approvals waiting, and the last day's runs. */
export function dailyDigestMessage(d: ChannelDigest, day: string): SlackMessage {
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `ClusterClaw daily digest · ${day}` } },
  ];
  const section = (text: string) => blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  section(
    d.openIncidents.length
      ? `*Open incidents (${d.openIncidents.length})*\n${list(d.openIncidents, (i) => {
          const where = i.namespace ? ` in \`${esc(i.namespace)}\`` : '';
          const url = archive(d.channel, i.threadTs);
          return `• ${url ? `<${url}|${esc(i.alertname)}>` : esc(i.alertname)}${where}: ${i.firing} firing${i.openedAt ? `, since ${i.openedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''}`;
        })}`
      : '*Open incidents:* none',
  );
  section(
    d.pendingApprovals.length
      ? `*Waiting for approval (${d.pendingApprovals.length})*\n${list(d.pendingApprovals, (p) => {
          const target = `${p.target.kind} ${p.target.namespace ? `${esc(p.target.namespace)}/` : ''}${esc(p.target.name)}`;
          const url = archive(d.channel, p.slackTs);
          return `• ${url ? `<${url}|${esc(p.action)}>` : esc(p.action)} on ${target} (${p.risk} risk), expires ${p.expiresAt.toISOString().slice(11, 16)} UTC`;
        })}`
      : '*Waiting for approval:* nothing',
  );
  const ran = counts(d.runs);
  const settled = counts(d.proposals);
  section(
    `*Last 24 hours:* ${ran ? `runs ${ran}` : 'no runs'}; ${settled ? `proposals ${settled}` : 'no proposals settled'}`,
  );
  if (d.auditHead)
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Audit head \`${esc(d.auditHead.seq)}:${esc(d.auditHead.hash)}\` · check the log still reaches it: \`claw audit verify --expect-head ${esc(d.auditHead.seq)}:${esc(d.auditHead.hash)}\``,
        },
      ],
    });
  const text = `ClusterClaw daily digest: ${d.openIncidents.length} open incident(s), ${d.pendingApprovals.length} waiting for approval`;
  return { text, blocks };
}
