import type { types } from '@slack/bolt';
import type { DigestView, GroupView } from '../../alerts/alert-notifier.ts';
import { alertLabel } from '../../domain/alert-group-delta.ts';
import type { AlertGroup } from '../../store/schema.ts';
import type { SlackMessage } from './blocks.ts';
import { clip, esc } from './mrkdwn.ts';

type KnownBlock = types.KnownBlock;

// Alert text comes from Prometheus rules and labels: escaped like cluster data, links only http(s).

const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

/** A Slack link, or nothing when the URL is not plain http(s). */
function link(url: string | undefined, text: string): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `<${u.href.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C')}|${esc(text)}>`;
  } catch {
    return undefined;
  }
}

/** Alertmanager's own "new silence" form, pre-filled with the group's labels. */
function silenceLink(g: AlertGroup): string | undefined {
  if (!g.external_url) return undefined;
  const labels = Object.keys(g.group_labels).length ? g.group_labels : { alertname: g.common_labels.alertname ?? '' };
  const filter = `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`)
    .join(', ')}}`;
  return link(`${g.external_url.replace(/\/$/, '')}/#/silences/new?filter=${encodeURIComponent(filter)}`, 'Silence');
}

function title(g: AlertGroup): string {
  return g.common_labels.alertname ?? g.group_labels.alertname ?? 'Alert group';
}

/** The group's root message: what fires where, how many, each alert, and where to look. */
export function alertRootMessage(v: GroupView, clusterName: string): SlackMessage {
  const g = v.group;
  const firing = g.status === 'firing';
  const severity = g.common_labels.severity ? ` · ${esc(g.common_labels.severity)}` : '';
  const head = `${firing ? ':fire: *FIRING*' : ':white_check_mark: *RESOLVED*'} · *${esc(title(g))}*${severity}`;
  const summary = g.common_annotations.summary ?? g.common_annotations.description;
  const ns = g.common_labels.namespace ? `namespace \`${esc(g.common_labels.namespace)}\` · ` : '';
  const counts = `${ns}cluster \`${esc(clusterName)}\` · ${g.firing} firing, ${g.resolved} resolved · since ${hhmm(g.first_seen_at)}${g.resolved_at && !firing ? ` · resolved ${hhmm(g.resolved_at)}` : ''}`;
  const lines = v.alerts.slice(0, 15).map((a) => {
    const what = a.annotations.description ?? a.annotations.summary;
    const own = alertLabel(a.labels, g.common_labels);
    return `${a.status === 'firing' ? ':red_circle:' : ':large_green_circle:'} ${esc(clip(own, 200))}${what && what !== summary ? ` — ${esc(clip(what, 200))}` : ''}`;
  });
  const more = g.firing + g.resolved - lines.length;
  if (more > 0) lines.push(`… and ${more} more`);
  const first = v.alerts[0];
  const links = [
    link(first?.annotations.runbook_url ?? g.common_annotations.runbook_url, 'Runbook'),
    link(first?.generator_url, 'Prometheus'),
    silenceLink(g),
  ].filter(Boolean);
  const footer = [
    ...links,
    `receiver \`${esc(g.receiver)}\``,
    g.investigate ? 'investigation in this thread' : 'not investigated automatically (alerts.routes)',
  ].join(' · ');
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${head}${summary ? `\n${esc(summary)}` : ''}\n${counts}`, 2900) },
    },
    ...(lines.length
      ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: clip(lines.join('\n'), 2900) } }]
      : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: clip(footer, 2900) }] },
  ];
  return {
    text: clip(
      `${firing ? 'FIRING' : 'RESOLVED'}: ${esc(title(g))} (${g.firing} firing)${g.common_labels.namespace ? ` in ${esc(g.common_labels.namespace)}` : ''}`,
      2900,
    ),
    blocks,
  };
}

const NOTE_ICON: Record<string, string> = {
  fired: ':fire:',
  refired: ':repeat: :fire:',
  resolved: ':white_check_mark:',
  resolved_some: ':large_green_circle:',
  info: ':information_source:',
};

/** What changed, one line per note; a burst of notifications becomes one message. */
export function alertNoteMessage(notes: { kind: string; text: string }[]): SlackMessage {
  const lines = notes.slice(-12).map((n) => `${NOTE_ICON[n.kind] ?? ':information_source:'} ${esc(clip(n.text, 600))}`);
  if (notes.length > 12) lines.unshift(`… ${notes.length - 12} earlier changes`);
  return { text: clip(lines.join('\n'), 2900) };
}

/** A storm: the groups that opened in a burst, one line each, instead of a thread each. */
export function alertDigestMessage(v: DigestView): SlackMessage {
  const firing = v.groups.filter((g) => g.status === 'firing').length;
  const head = `:rotating_light: *Alert storm*: ${v.groups.length} alert groups opened here since ${hhmm(v.digest.opened_at)} (${firing} firing, ${v.groups.length - firing} resolved). They are listed here instead of a thread each.`;
  const lines = v.groups.slice(0, 40).map((g) => {
    const ns = g.common_labels.namespace ? ` · \`${esc(g.common_labels.namespace)}\`` : '';
    return `${g.status === 'firing' ? ':fire:' : ':white_check_mark:'} ${esc(title(g))}${ns} · ${g.firing} firing${g.resolved ? `, ${g.resolved} resolved` : ''}`;
  });
  if (v.groups.length > 40) lines.push(`… and ${v.groups.length - 40} more groups`);
  return {
    text: `Alert storm: ${v.groups.length} alert groups (${firing} firing)`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 2900) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'One investigation of what these groups share runs in this thread. Every alert is stored; `claw` and the thread have the details.',
          },
        ],
      },
    ],
  };
}
