import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import { registerActions } from './listeners/actions.ts';
import { registerCommands } from './listeners/commands.ts';
import { registerEvents } from './listeners/events.ts';
import { registerRejectReason } from './listeners/reject-reason.ts';
import type { SlackDeps } from './slack-deps.ts';

export interface SlackSurface {
  app: App;
  receiver: HTTPReceiver;
}

/**
 * Bolt in HTTP mode. We mount its request listener on our own server (so health routes work with
 * or without Slack configured); Bolt keeps signature checks, ack timing and payload parsing.
 */
export function createSlackApp(deps: SlackDeps, opts: { botToken: string; signingSecret: string; apiUrl: string; clientOptions?: webApi.WebClientOptions; botId?: string; botUserId?: string }): SlackSurface {
  // Slack payloads are a few KiB; anything over 1 MiB is refused with 413 before parsing.
  const receiver = new HTTPReceiver({ signingSecret: opts.signingSecret, endpoints: '/slack/events', logLevel: LogLevel.WARN, bodyLimit: '1mb' });
  const app = new App({
    token: opts.botToken,
    receiver,
    botId: opts.botId,
    botUserId: opts.botUserId,
    logLevel: LogLevel.WARN,
    clientOptions: { slackApiUrl: opts.apiUrl, ...opts.clientOptions },
  });
  app.error(async (err) => {
    deps.logger.error({ err }, 'slack listener error');
  });
  registerEvents(app, deps);
  registerCommands(app, deps);
  registerActions(app, deps);
  registerRejectReason(app, deps);
  return { app, receiver };
}
