import { createHmac } from 'node:crypto';

/** Slack's v0 request signature over the raw body. */
export function signedHeaders(
  secret: string,
  rawBody: string,
  ts = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': sig,
  };
}

export function slashCommandBody(p: {
  text: string;
  user: string;
  channel: string;
  command?: string;
  responseUrl?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: p.channel,
    channel_name: 'incidents',
    user_id: p.user,
    user_name: p.user.toLowerCase(),
    command: p.command ?? '/claw',
    text: p.text,
    api_app_id: 'A0CLAW',
    is_enterprise_install: 'false',
    response_url: p.responseUrl ?? 'http://127.0.0.1:9/response',
    trigger_id: '1.2.3',
  }).toString();
}

export function buttonClickBody(p: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  threadTs: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0CLAW',
    token: 'deprecated',
    container: {
      type: 'message',
      message_ts: p.messageTs,
      channel_id: p.channel,
      is_ephemeral: false,
      thread_ts: p.threadTs,
    },
    trigger_id: '1.2.3',
    team: { id: 'T0001', domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channel, name: 'incidents' },
    message: {
      type: 'message',
      bot_id: 'B0BOT',
      user: 'U0BOT',
      ts: p.messageTs,
      thread_ts: p.threadTs,
      text: 'Approval needed',
      blocks: [],
    },
    state: { values: {} },
    response_url: 'http://127.0.0.1:9/actions',
    actions: [
      {
        type: 'button',
        action_id: p.actionId,
        block_id: `proposal:${p.value}`,
        text: { type: 'plain_text', text: 'Approve' },
        value: p.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { ...signedHeaders(secret, body), ...headers } });
}

/** A modal's submission (`view_submission`), as Slack posts it when the user presses submit. */
export function viewSubmissionBody(p: {
  callbackId: string;
  privateMetadata: string;
  user: string;
  values: Record<string, Record<string, { type: string; value: string | null }>>;
}): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0001', domain: 'example' },
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0CLAW',
    token: 'deprecated',
    trigger_id: '4.5.6',
    view: {
      id: 'V0MODAL',
      team_id: 'T0001',
      type: 'modal',
      callback_id: p.callbackId,
      private_metadata: p.privateMetadata,
      hash: '1700000000.abc',
      title: { type: 'plain_text', text: 'Reject proposal' },
      blocks: [],
      state: { values: p.values },
      previous_view_id: null,
      root_view_id: 'V0MODAL',
      app_id: 'A0CLAW',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API delivery (JSON, signed like everything else); `retryNum` marks Slack's retries. */
export function eventCallback(event: Record<string, unknown>, eventId: string): string {
  return JSON.stringify({
    token: 'deprecated',
    team_id: 'T0001',
    context_team_id: 'T0001',
    api_app_id: 'A0CLAW',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: 'T0001', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event,
  });
}

export async function postEvent(url: string, secret: string, body: string, retryNum?: number): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body,
    headers: {
      ...signedHeaders(secret, body),
      'content-type': 'application/json',
      ...(retryNum ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {}),
    },
  });
}
