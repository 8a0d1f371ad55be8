import type { webApi } from '@slack/bolt';
import type { DigestPoster } from '../../scheduled/jobs/daily-digest.ts';
import { dailyDigestMessage } from './daily-digest-blocks.ts';
import type { SlackOutbox } from './outbox.ts';

/** Posts a channel's daily digest through the outbox, paced with the channel's other posts. */
export function slackDigestPoster(client: webApi.WebClient, outbox: SlackOutbox): DigestPoster {
  return async (digest, day) => {
    const message = dailyDigestMessage(digest, day);
    await outbox.send(digest.channel, () => client.chat.postMessage({ channel: digest.channel, ...message }), {
      paced: true,
    });
  };
}
