import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, any>;
  /** What the fake answered (e.g. the `ts` of a posted message). */
  result?: Record<string, any>;
  /** When it arrived (ms since the epoch). */
  at?: number;
}

/**
 * A local Slack Web API: answers `POST /api/<method>` the way Slack does (form-encoded or JSON
 * bodies; blocks arrive as JSON strings) and records every call for assertions.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private server: Server | undefined;
  private tsCounter = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer(
      (req, res) =>
        void this.answer(req).then((body) => {
          const limited = body.error === 'ratelimited';
          const status = limited ? 429 : typeof body.httpStatus === 'number' ? body.httpStatus : 200;
          res.writeHead(status, {
            'content-type': 'application/json',
            ...(limited ? { 'retry-after': String(body.retryAfter) } : {}),
          });
          res.end(JSON.stringify(body));
        }),
    );
    // Longer than the client's keep-alive, so it never reuses a socket we are closing (ECONNRESET).
    this.server.keepAliveTimeout = 60_000;
    // Socket Mode: apps.connections.open hands out ws://…/link; the app dials in and we push envelopes.
    this.sockets = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (req.url !== '/link') return void socket.destroy();
      this.sockets!.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this.url;
  }

  private sockets: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (ack: Record<string, any>) => void>();
  private envelopes = 0;
  private onSocket: (() => void)[] = [];

  private connected(ws: WebSocket): void {
    this.socket = ws;
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { envelope_id?: string };
      if (msg.envelope_id) this.acks.get(msg.envelope_id)?.(msg);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0CLAW' },
      }),
    );
    for (const f of this.onSocket.splice(0)) f();
  }

  /** Resolves once an app has opened a Socket Mode connection. */
  socketReady(): Promise<void> {
    return this.socket ? Promise.resolve() : new Promise((r) => this.onSocket.push(r));
  }

  /** Sends a Socket Mode envelope (events_api, slash_commands, interactive) and resolves with the app's ack. */
  sendEnvelope(
    type: 'events_api' | 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<Record<string, any>> {
    const envelopeId = `env-${++this.envelopes}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${envelopeId} within 3 s`)), 3000);
      this.acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.socket!.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...extra,
        }),
      );
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets?.clients ?? []) ws.terminate();
    this.sockets?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  /** Members of Slack user groups (S…), answered by `usergroups.users.list`. */
  userGroups: Record<string, string[]> = {};

  private limits: { method: string; channel?: string; times: number; retryAfter?: number; httpStatus?: number }[] = [];

  /** The next `times` calls of `method` (in `channel`, if given) answer 429 with Retry-After. */
  rateLimit(l: { method: string; channel?: string; times: number; retryAfter: number }): void {
    this.limits.push({ ...l });
  }

  /** The next `times` calls of `method` (in `channel`, if given) fail with an HTTP 5xx. */
  serverError(l: { method: string; channel?: string; times: number; httpStatus?: number }): void {
    this.limits.push({ ...l, httpStatus: l.httpStatus ?? 503 });
  }

  /** Slack closes a stream on its side after about five minutes; tests shorten it. */
  streamTtlMs = 5 * 60_000;
  /** Streamed messages by ts: their text so far and whether they still stream. */
  readonly streams = new Map<
    string,
    { channel: string; text: string; startedAt: number; stopped: boolean; tasks: Map<string, string> }
  >();

  /** What a stream call adds: its markdown (flat or as chunks) and its tasks' latest status. */
  private appendTo(s: { text: string; tasks: Map<string, string> }, args: Record<string, any>): string | undefined {
    const chunks = (args.chunks ?? []) as { type: string; text?: string; id?: string; status?: string }[];
    const valid = (c: { type: string; text?: string; id?: string; status?: string; title?: string }) =>
      c.type === 'markdown_text'
        ? Boolean(c.text)
        : c.type === 'task_update'
          ? Boolean(c.id && c.status)
          : c.type === 'plan_update'
            ? Boolean(c.title)
            : false;
    if (!chunks.every(valid)) return 'invalid_chunks';
    s.text += args.markdown_text ?? '';
    for (const c of chunks) {
      if (c.type === 'markdown_text') s.text += c.text;
      else if (c.type === 'task_update') s.tasks.set(c.id!, c.status!);
    }
    return undefined;
  }

  private streaming(ts: string): boolean {
    const s = this.streams.get(ts);
    return Boolean(s && !s.stopped && Date.now() - s.startedAt < this.streamTtlMs);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async answer(req: IncomingMessage): Promise<Record<string, unknown>> {
    // Web API methods under /api/; anything else is a response_url the fake hands out (`response:<path>`).
    const path = (req.url ?? '').split('?')[0]!;
    const method = path.startsWith('/api/') ? path.slice(5) : `response:${path}`;
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const args: Record<string, any> = {};
    if ((req.headers['content-type'] ?? '').includes('application/json')) Object.assign(args, JSON.parse(raw || '{}'));
    else for (const [k, v] of new URLSearchParams(raw)) args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
    const call: SlackCall = { method, token: req.headers.authorization?.replace(/^Bearer /, ''), args, at: Date.now() };
    this.calls.push(call);
    if (call.token && this.revokedTokens.has(call.token)) {
      call.result = { ok: false, error: 'token_revoked' };
      return call.result;
    }
    const limit = this.limits.find(
      (l) => l.times > 0 && l.method === method && (!l.channel || l.channel === args.channel),
    );
    if (limit) {
      limit.times--;
      call.result = limit.httpStatus
        ? { ok: false, error: 'service_unavailable', httpStatus: limit.httpStatus }
        : { ok: false, error: 'ratelimited', retryAfter: limit.retryAfter };
      return call.result;
    }
    call.result = this.respond(method, args);
    return call.result;
  }

  /** Tokens Slack no longer accepts (app uninstalled, token rotated): every method says token_revoked. */
  readonly revokedTokens = new Set<string>();

  /** Channels the bot was never invited to: posting there fails as Slack fails it. */
  readonly notInChannel = new Set<string>();

  private respond(method: string, args: Record<string, any>): Record<string, any> {
    if (method.startsWith('chat.') && this.notInChannel.has(args.channel))
      return { ok: false, error: 'not_in_channel' };
    switch (method) {
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${(this.server!.address() as AddressInfo).port}/link` };
      case 'auth.test':
        return {
          ok: true,
          url: 'https://example.slack.com/',
          team: 'Example',
          user: 'claw',
          team_id: 'T0001',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        };
      case 'chat.postMessage': {
        const ts = `${1700000000 + ++this.tsCounter}.000100`;
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts, thread_ts: args.thread_ts } };
      }
      case 'chat.update':
        if (this.streaming(args.ts)) return { ok: false, error: 'streaming_state_conflict' };
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.startStream': {
        if (!args.thread_ts) return { ok: false, error: 'invalid_arguments' };
        if (String(args.channel).startsWith('C') && !args.recipient_user_id)
          return { ok: false, error: 'missing_recipient_user_id' };
        if (String(args.channel).startsWith('C') && !args.recipient_team_id)
          return { ok: false, error: 'missing_recipient_team_id' };
        const ts = `${1700000000 + ++this.tsCounter}.000300`;
        const stream = {
          channel: args.channel,
          text: '',
          startedAt: Date.now(),
          stopped: false,
          tasks: new Map<string, string>(),
        };
        const bad = this.appendTo(stream, args);
        if (bad) return { ok: false, error: bad };
        this.streams.set(ts, stream);
        return { ok: true, channel: args.channel, ts };
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        if (!this.streaming(args.ts)) return { ok: false, error: 'message_not_in_streaming_state' };
        if (method === 'chat.appendStream' && !args.markdown_text && !args.chunks?.length)
          return { ok: false, error: 'invalid_arguments' };
        const s = this.streams.get(args.ts)!;
        const bad = this.appendTo(s, args);
        if (bad) return { ok: false, error: bad };
        if (method === 'chat.stopStream') s.stopped = true;
        return {
          ok: true,
          channel: args.channel,
          ts: args.ts,
          ...(method === 'chat.stopStream' ? { message: { text: s.text, ts: args.ts } } : {}),
        };
      }
      case 'usergroups.users.list':
        return this.userGroups[args.usergroup]
          ? { ok: true, users: this.userGroups[args.usergroup] }
          : { ok: false, error: 'no_such_subteam' };
      case 'views.open':
        // Slack answers a missing trigger with invalid_arguments; a real one lives ~3 s, single use.
        return args.trigger_id
          ? { ok: true, view: { ...(args.view as object), id: `V${++this.tsCounter}`, hash: `${Date.now()}.abc` } }
          : { ok: false, error: 'invalid_arguments' };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1700000000 + ++this.tsCounter}.000200` };
      default:
        return { ok: true };
    }
  }
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
