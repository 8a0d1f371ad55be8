import type { webApi } from '@slack/bolt';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { slackLogger } from './bolt-logger.ts';
import { registerActions } from './listeners/actions.ts';
import { registerCommands } from './listeners/commands.ts';
import { registerEvents } from './listeners/events.ts';
import { registerRejectReason } from './listeners/reject-reason.ts';
import type { SlackDeps } from './slack-deps.ts';

export type SlackSurface =
  | { mode: 'http'; app: App; receiver: HTTPReceiver }
  | { mode: 'socket'; app: App; receiver: SocketModeReceiver };

export interface SlackOptions {
  botToken: string;
  /** HTTP mode: requests to /slack/events are verified with it. */
  signingSecret?: string;
  /** Socket Mode (xapp-…, connections:write): events arrive over a WebSocket Slack opens for us. */
  appToken?: string;
  apiUrl: string;
  clientOptions?: webApi.WebClientOptions;
  botId?: string;
  botUserId?: string;
}

/**
 * Bolt with the same listeners in either transport. HTTP: we mount its request listener on our own
 * server (so health routes work with or without Slack); Bolt keeps signature checks, ack timing and
 * payload parsing. Socket Mode (when an app token is set): no public endpoint; `app.start()` dials
 * out. Either way the listeners only translate and return.
 */
export function createSlackApp(deps: SlackDeps, opts: SlackOptions): SlackSurface {
  const logger = slackLogger(deps.logger, 'bolt');
  const clientOptions = {
    slackApiUrl: opts.apiUrl,
    logger: slackLogger(deps.logger, 'slack-web-api'),
    ...opts.clientOptions,
  };
  const surface = opts.appToken
    ? // The Socket Mode receiver reads installerOptions.clientOptions (apps.connections.open), not the app's.
      {
        mode: 'socket' as const,
        receiver: new SocketModeReceiver({
          appToken: opts.appToken,
          logger,
          installerOptions: { clientOptions },
        }),
      }
    : // Slack payloads are a few KiB; anything over 1 MiB is refused with 413 before parsing.
      {
        mode: 'http' as const,
        receiver: new HTTPReceiver({
          signingSecret: opts.signingSecret ?? '',
          endpoints: '/slack/events',
          logger,
          bodyLimit: '1mb',
        }),
      };
  const app = new App({
    token: opts.botToken,
    receiver: surface.receiver,
    botId: opts.botId,
    botUserId: opts.botUserId,
    logger,
    clientOptions,
  });
  app.error(async (err) => {
    deps.logger.error({ err }, 'slack listener error');
  });
  registerEvents(app, deps);
  registerCommands(app, deps);
  registerActions(app, deps);
  registerRejectReason(app, deps);
  return { ...surface, app } as SlackSurface;
}
