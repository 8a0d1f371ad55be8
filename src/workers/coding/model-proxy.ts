import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** Token usage as one model response reported it. */
export interface ProxyUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Which API the agent speaks: Anthropic's Messages API, or OpenAI's (Responses, Chat Completions). */
export type ModelWire = 'anthropic' | 'openai';

export interface ModelProxy {
  /** `http://127.0.0.1:<port>`: the agent's model endpoint (ANTHROPIC_BASE_URL; OpenAI's base URL is this + `/v1`). */
  url: string;
  /** The agent's API key: valid for this run only, worth nothing anywhere else. */
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;

/** The agent's request headers passed on: what the API reads, never its credentials. */
const FORWARDED = {
  anthropic: ['content-type', 'anthropic-version', 'anthropic-beta', 'accept'],
  openai: ['content-type', 'accept', 'openai-beta'],
};

/**
 * A loopback model API proxy for one coding-agent attempt. The agent's CLI holds only a per-run
 * token; the proxy checks it, adds the real key, forwards to the real endpoint, meters each
 * response's tokens and refuses new requests once the run's budget is spent. So even a command
 * that prints the agent's environment reveals no key.
 */
export async function startModelProxy(opts: {
  /** Default `anthropic`. */
  wire?: ModelWire;
  upstream: string;
  apiKey: string;
  onUsage(u: ProxyUsage): void;
  /** Why no more model calls may be made, or undefined while they may. */
  exhausted(): string | undefined;
  /** A model call arrived or its answer streamed on: the agent is alive, whatever it prints. */
  onActivity?(): void;
}): Promise<ModelProxy> {
  const token = `claw-run-${randomBytes(24).toString('base64url')}`;
  const upstream = opts.upstream.replace(/\/+$/, '');
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent)
        send(res, 502, 'api_error', `the model proxy could not reach the model: ${(e as Error).message}`);
      else res.destroy();
    });
  });
  /** Upstream calls in flight: a client that hangs up (an interrupted turn) or a closing proxy stops them. */
  const inFlight = new Set<AbortController>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const presented = String(req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /i, '') ?? '');
    if (!sameToken(presented, token)) return send(res, 401, 'authentication_error', 'invalid run token');
    opts.onActivity?.();
    const spent = opts.exhausted();
    // 400, not 429: a client retries a rate limit, but a spent budget does not come back.
    if (spent) return send(res, 400, 'invalid_request_error', `the run's budget is spent: ${spent}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return send(res, 413, 'request_too_large', 'request body too large');
      chunks.push(c as Buffer);
    }
    const openai = opts.wire === 'openai';
    const headers: Record<string, string> = openai
      ? { authorization: `Bearer ${opts.apiKey}` }
      : { 'x-api-key': opts.apiKey };
    for (const h of openai ? FORWARDED.openai : FORWARDED.anthropic)
      if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
    const call = new AbortController();
    inFlight.add(call);
    res.once('close', () => {
      // Not metered past here, and not billed on: the agent no longer waits for this answer.
      if (!res.writableFinished) call.abort();
      inFlight.delete(call);
    });
    const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : Buffer.concat(chunks),
      signal: call.signal,
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
      ...(answer.headers.get('request-id') ? { 'request-id': answer.headers.get('request-id')! } : {}),
      ...(answer.headers.get('x-request-id') ? { 'x-request-id': answer.headers.get('x-request-id')! } : {}),
    });
    if (!answer.body) return void res.end();
    const meter = usageMeter(opts.onUsage);
    for await (const c of Readable.fromWeb(answer.body as never)) {
      opts.onActivity?.();
      meter.feed(c as Buffer);
      res.write(c);
    }
    meter.end();
    res.end();
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () => {
      for (const call of inFlight) call.abort();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/**
 * Reads the usage out of a Messages API answer as it streams past: SSE (`message_start` has the
 * input tokens, `message_delta` the output so far) or one JSON body.
 */
function usageMeter(onUsage: (u: ProxyUsage) => void) {
  let text = '';
  let whole = '';
  let input = 0;
  let output = 0;
  let sse = false;
  const line = (l: string) => {
    if (!l.startsWith('data: ')) return;
    sse = true;
    try {
      const e = JSON.parse(l.slice(6)) as {
        type?: string;
        message?: {
          usage?: { input_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
        };
        usage?: WholeUsage & { output_tokens?: number };
        /** OpenAI Responses: `response.completed` carries the response with its usage. */
        response?: { usage?: WholeUsage };
      };
      // OpenAI: the Responses API's last event, or a Chat Completions stream's usage chunk.
      const total = e.type === 'response.completed' ? e.response?.usage : e.type ? undefined : e.usage;
      if (total) [input, output] = counted(total);
      const u = e.message?.usage;
      if (e.type === 'message_start' && u)
        input = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
      if (e.type === 'message_delta' && e.usage?.output_tokens !== undefined) output = e.usage.output_tokens;
    } catch {
      // not JSON: not a usage event
    }
  };
  return {
    feed(c: Buffer) {
      const piece = c.toString('utf8');
      if (!sse && whole.length < 1_000_000) whole += piece;
      text += piece;
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const l of lines) line(l.trimEnd());
    },
    end() {
      if (!sse && whole) {
        try {
          const body = JSON.parse(whole) as { usage?: WholeUsage };
          if (body.usage) [input, output] = counted(body.usage);
        } catch {
          // an error body
        }
      } else if (text) line(text.trimEnd());
      if (input || output) onUsage({ inputTokens: input, outputTokens: output });
    },
  };
}

/** A whole response's usage: Messages and Responses (input/output), Chat Completions (prompt/completion). */
type WholeUsage = { input_tokens?: number; output_tokens?: number; prompt_tokens?: number; completion_tokens?: number };

function counted(u: WholeUsage): [number, number] {
  return [u.input_tokens ?? u.prompt_tokens ?? 0, u.output_tokens ?? u.completion_tokens ?? 0];
}
