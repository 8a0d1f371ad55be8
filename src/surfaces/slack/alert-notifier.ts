import type { webApi } from '@slack/bolt';
import type { AlertNotifier, DigestView, GroupView } from '../../alerts/alert-notifier.ts';
import { PermanentNotifyError } from '../../domain/errors.ts';
import type { AlertGroup } from '../../store/schema.ts';
import { alertDigestMessage, alertNoteMessage, alertRootMessage } from './alert-blocks.ts';
import type { SlackMessage } from './blocks.ts';
import type { SlackOutbox } from './outbox.ts';

/**
 * Slack errors that no retry will fix for this channel. A bad or revoked token is not one of them:
 * it fails every channel, and once an operator fixes it the groups must still get their threads.
 */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'msg_too_long',
  'invalid_blocks',
]);

/** Alert threads in Slack, through the shared per-channel outbox (ordered, paced, 429-aware). */
export function slackAlertNotifier(opts: {
  client: webApi.WebClient;
  outbox: SlackOutbox;
  clusterName: (cluster: string) => string;
}): AlertNotifier {
  const { client, outbox } = opts;
  // A new alert's thread is what a reader needs first: it goes ahead of other threads' messages.
  const call = async <T>(channel: string, fn: () => Promise<T>, kind: 'thread' | 'post' | 'update'): Promise<T> => {
    try {
      return await outbox.send(
        channel,
        fn,
        kind === 'update' ? { update: true } : { paced: true, first: kind === 'thread' },
      );
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error;
      if (code && PERMANENT.has(code)) throw new PermanentNotifyError(`Slack refused (${code}) in channel ${channel}`);
      throw e;
    }
  };
  const post = (channel: string, m: SlackMessage, threadTs?: string) =>
    call(
      channel,
      async () =>
        (
          await client.chat.postMessage({
            channel,
            text: m.text,
            blocks: m.blocks,
            unfurl_links: false,
            unfurl_media: false,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          })
        ).ts as string,
      threadTs ? 'post' : 'thread',
    );
  const update = (channel: string, ts: string, m: SlackMessage) =>
    call(channel, () => client.chat.update({ channel, ts, text: m.text, blocks: m.blocks }), 'update').then(() => {});
  const root = (v: GroupView) => alertRootMessage(v, opts.clusterName(v.group.cluster));
  return {
    openThread: (v) => post(v.group.channel!, root(v)),
    updateRoot: (v, ts) => update(v.group.channel!, ts, root(v)),
    postNotes: (g: AlertGroup, threadTs, notes) => post(g.channel!, alertNoteMessage(notes), threadTs).then(() => {}),
    openDigest: (v: DigestView) => post(v.digest.channel, alertDigestMessage(v)),
    updateDigest: (v, ts) => update(v.digest.channel, ts, alertDigestMessage(v)),
  };
}
