import type { types } from '@slack/bolt';
import type { Proposal, Task } from '../../store/schema.ts';
import { clip, esc, permalink } from './mrkdwn.ts';

type KnownBlock = types.KnownBlock;

export interface HomeData {
  user: string;
  /** The workspace URL (auth.test), for links to threads; links are left out without it. */
  workspaceUrl?: string;
  waiting: Proposal[];
  mine: (Task & { run_id: string | null; run_status: string | null })[];
}

const ICON: Record<string, string> = {
  queued: ':hourglass_flowing_sand:',
  running: ':arrows_counterclockwise:',
  awaiting_approval: ':raised_hand:',
  succeeded: ':white_check_mark:',
  escalated: ':rotating_light:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
};

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 2900) } });
const none = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/**
 * The App Home tab: what waits for this user's approval and what they asked for. Nothing else:
 * Home is one person's view, and other people's runs may come from private channels.
 * At most 100 blocks (Slack's limit for a Home view); every list is capped.
 */
export function homeView(d: HomeData): types.HomeView {
  const where = (channel: string | null, ts: string | null) => {
    const link = permalink(d.workspaceUrl, channel, ts);
    return link ? ` · <${link}|open>` : '';
  };
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'ClusterClaw' } },
    none(
      `Ask with \`/claw <what is wrong> [in <namespace>]\`, or mention me in a thread. Updated <!date^${Math.floor(Date.now() / 1000)}^{date_short_pretty} {time}|now>.`,
    ),
    { type: 'header', text: { type: 'plain_text', text: `Waiting for your approval (${d.waiting.length})` } },
  ];
  if (!d.waiting.length) blocks.push(none('Nothing waits for you.'));
  for (const p of d.waiting.slice(0, 15)) {
    const t = p.target;
    const expires = `<!date^${Math.floor(new Date(p.expires_at).getTime() / 1000)}^{time}|${new Date(p.expires_at).toISOString()}>`;
    blocks.push(
      section(
        `*${esc(p.action)}* ${esc(t.kind)} \`${esc(t.namespace ? `${t.namespace}/${t.name}` : t.name)}\` on \`${esc(p.cluster)}\` · risk ${p.risk} · expires ${expires}${where(p.slack_channel, p.slack_ts)}\n${esc(clip(p.rationale, 300))}`,
      ),
    );
  }
  blocks.push({ type: 'divider' }, { type: 'header', text: { type: 'plain_text', text: 'Your requests' } });
  if (!d.mine.length) blocks.push(none('You have not asked for anything yet.'));
  for (const t of d.mine.slice(0, 10)) {
    const status = t.run_status ?? 'queued';
    blocks.push(
      section(
        `${ICON[status] ?? ''} ${esc(clip(t.question, 200))}${t.namespace ? ` (in \`${esc(t.namespace)}\`)` : ''} · ${status.replace('_', ' ')}${t.run_id ? ` · \`${t.run_id}\`` : ''}${where(t.slack_channel, t.slack_thread_ts)}`,
      ),
    );
  }
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
