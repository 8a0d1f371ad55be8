import { hostname } from 'node:os';
import type { webApi } from '@slack/bolt';
import {
  claimInbox,
  claimStaleInbox,
  completeInbox,
  enqueueInbox,
  type InboxItem,
  recentRequests,
} from '../../store/slack-inbox.ts';
import { HELP_TEXT } from './command-parser.ts';
import { type InvestigationAsk, startInvestigation } from './listeners/start-investigation.ts';
import type { SlackDeps } from './slack-deps.ts';

/** How the asker hears back: the slash command's response_url, or an ephemeral in the channel. */
export type InboxReply = { responseUrl: string } | { ephemeral: { channel: string; user: string; threadTs?: string } };

interface InboxPayload {
  ask: InvestigationAsk;
  reply: InboxReply;
}

const OWNER = `${hostname()}:${process.pid}`;
/** Starting an investigation takes a second; a claim lapses after this, for another replica. */
const CLAIM_SECONDS = 20;
/** The sweep leaves fresh items to the replica that acknowledged them. */
const STALE_SECONDS = 10;

/**
 * Records an investigation request durably; called before Slack gets its acknowledgement, so a
 * replica that dies right after acking loses nothing (`sweepInbox` on any replica finishes it).
 */
export function acceptInvestigation(deps: SlackDeps, ask: InvestigationAsk, reply: InboxReply): Promise<string> {
  return enqueueInbox(deps.db, { ask, reply } satisfies InboxPayload as unknown as Record<string, unknown>);
}

/** Starts the recorded investigation unless another replica holds or finished it. */
export async function processInboxItem(client: webApi.WebClient, deps: SlackDeps, id: string): Promise<void> {
  const item = await claimInbox(deps.db, id, OWNER, CLAIM_SECONDS);
  if (item) await start(client, deps, item);
}

/** Finishes what dead replicas acknowledged but never started. Returns how many it picked up. */
export async function sweepInbox(client: webApi.WebClient, deps: SlackDeps): Promise<number> {
  const items = await claimStaleInbox(deps.db, OWNER, STALE_SECONDS, CLAIM_SECONDS);
  for (const item of items) {
    await start(client, deps, item).catch((err) =>
      deps.logger.warn(
        { err, inbox: item.id },
        'could not start a recovered Slack request; it stays for the next sweep',
      ),
    );
  }
  return items.length;
}

async function start(client: webApi.WebClient, deps: SlackDeps, item: InboxItem): Promise<void> {
  const { ask, reply } = item.payload as unknown as InboxPayload;
  const unknown = ask.cluster ? deps.unknownCluster(ask.cluster) : undefined;
  const limited = unknown ? undefined : await overLimit(deps, ask);
  const started = unknown
    ? { ok: false as const, problem: `${unknown}\n\n${HELP_TEXT}` }
    : limited
      ? { ok: false as const, problem: limited }
      : await startInvestigation(client, deps, ask, { id: item.id, rootTs: item.root_ts });
  if (started.ok) return;
  await completeInbox(deps.db, item.id, null);
  await tell(client, reply, started.problem).catch((err) => deps.logger.warn({ err }, 'cannot tell the asker'));
}

/** Why this request may not start an investigation now (slack.limits), or undefined when it may. */
async function overLimit(deps: SlackDeps, ask: InvestigationAsk): Promise<string | undefined> {
  const { perUserPerHour, perChannelPerHour } = deps.config.slack.limits;
  const seen = await recentRequests(deps.db, { user: ask.user, channel: ask.channel }, 60);
  if (perUserPerHour && seen.byUser > perUserPerHour)
    return `You have asked for ${seen.byUser - 1} investigations in the last hour, the most one person may (slack.limits.perUserPerHour: ${perUserPerHour}). Nothing was started; try again later.`;
  if (perChannelPerHour && seen.inChannel > perChannelPerHour)
    return `This channel has asked for ${seen.inChannel - 1} investigations in the last hour, the most one channel may (slack.limits.perChannelPerHour: ${perChannelPerHour}). Nothing was started; try again later.`;
  return undefined;
}

async function tell(client: webApi.WebClient, reply: InboxReply, text: string): Promise<void> {
  if ('responseUrl' in reply) {
    await fetch(reply.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text }),
    });
  } else {
    await client.chat.postEphemeral({
      channel: reply.ephemeral.channel,
      user: reply.ephemeral.user,
      text,
      ...(reply.ephemeral.threadTs ? { thread_ts: reply.ephemeral.threadTs } : {}),
    });
  }
}
