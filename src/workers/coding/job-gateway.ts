import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** What one Job's turn may fetch from this replica, and where its model calls go on to. */
export interface JobTurn {
  /** The attempt's model proxy (it holds the real key, meters and enforces the run's budget). */
  proxy: { url: string; token: string };
  brief: string;
  /** claw.yaml for the pod: the one agent, the repository's rules, endpoints pointing back here. */
  config: string;
  /** The clone as the turn starts from (a Git bundle of its HEAD). */
  bundle(): Promise<Buffer>;
}

export interface JobGateway {
  /** The URL a Job's pod reaches this gateway at. */
  url: string;
  /** A token for one turn: the pod's only credential, worth nothing once the turn is over. */
  register(turn: JobTurn): string;
  unregister(token: string): void;
  close(): Promise<void>;
}

/** The model API's request headers passed on, never credentials. */
const FORWARDED = ['content-type', 'accept', 'anthropic-version', 'anthropic-beta', 'openai-beta'];

/**
 * The agent gateway of a replica that runs coding turns as Kubernetes Jobs: the one address a
 * Job's pod may reach (its NetworkPolicy allows nothing else). With its turn's token the pod
 * fetches its brief, configuration and the clone's bundle, and makes its model calls, which go on
 * to the attempt's model proxy. It holds no key of its own and serves nothing without a live token.
 */
export async function startJobGateway(opts: { host: string; port: number; url?: string }): Promise<JobGateway> {
  const turns = new Map<string, JobTurn>();
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 502, `the gateway could not serve this: ${(e as Error).message}`);
      else res.destroy();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const presented = String(req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /i, '') ?? '');
    const turn = [...turns].find(([t]) => same(t, presented))?.[1];
    if (!turn) return send(res, 401, 'invalid or expired job token');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/job/brief') return sendBody(res, 'text/plain', Buffer.from(turn.brief));
    if (req.method === 'GET' && path === '/job/config') return sendBody(res, 'text/yaml', Buffer.from(turn.config));
    if (req.method === 'GET' && path === '/job/bundle')
      return sendBody(res, 'application/octet-stream', await turn.bundle());
    // Everything else is the model API: on to the attempt's proxy, with its token instead of ours.
    const headers: Record<string, string> = {
      'x-api-key': turn.proxy.token,
      authorization: `Bearer ${turn.proxy.token}`,
    };
    for (const h of FORWARDED) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
    const call = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) call.abort();
    });
    const body = ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : Readable.toWeb(req);
    const answer = await fetch(`${turn.proxy.url}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: body as never,
      duplex: 'half',
      signal: call.signal,
    } as RequestInit);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    if (!answer.body) return void res.end();
    for await (const c of Readable.fromWeb(answer.body as never)) res.write(c);
    res.end();
  };
  await new Promise<void>((r) => server.listen(opts.port, opts.host, r));
  // It lives as long as the process, but does not keep a finished CLI command alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: opts.url ?? `http://127.0.0.1:${port}`,
    register(turn) {
      const token = `claw-job-${randomBytes(24).toString('base64url')}`;
      turns.set(token, turn);
      return token;
    },
    unregister: (token) => void turns.delete(token),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** One gateway per listening address in this process, started by the first Job turn. */
const GATEWAYS = new Map<string, Promise<JobGateway>>();

export function jobGateway(opts: { host: string; port: number; url: string }): Promise<JobGateway> {
  const key = `${opts.host}:${opts.port}`;
  let g = GATEWAYS.get(key);
  if (!g) {
    g = startJobGateway(opts);
    GATEWAYS.set(key, g);
    g.catch(() => GATEWAYS.delete(key));
  }
  return g;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { type: 'gateway_error', message } }));
}

function sendBody(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}
