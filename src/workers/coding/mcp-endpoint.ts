import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const MAX_BODY = 1024 * 1024;

export interface McpEndpoint {
  /** `http://127.0.0.1:<port>/mcp`: where the agent's stdio relay posts each JSON-RPC message. */
  url: string;
  /** The relay's bearer token: this run's, worth nothing anywhere else. */
  token: string;
  close(): Promise<void>;
}

/**
 * Serves one MCP server (ClusterClaw's vocabulary, as the in-process coding agents get it) to an
 * agent CLI that can only start MCP servers as processes: the CLI starts mcp-stdio-relay.ts, which
 * holds nothing but this URL and token and posts each JSON-RPC message here. A request is answered
 * in the HTTP response; a notification gets 202. One client (the run's relay) per endpoint.
 */
export async function serveMcpEndpoint(server: McpServer): Promise<McpEndpoint> {
  const token = `claw-mcp-${randomBytes(24).toString('base64url')}`;
  const waiting = new Map<string | number, (m: JSONRPCMessage) => void>();
  const transport: Transport = {
    start: async () => {},
    send: async (m) => {
      if ('id' in m && m.id !== undefined && !('method' in m)) {
        waiting.get(m.id)?.(m);
        waiting.delete(m.id);
      }
      // Server-initiated requests and notifications (logging, list changes) have no client to reach.
    },
    close: async () => transport.onclose?.(),
  };
  await server.connect(transport);
  const http = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const presented = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /i, ''));
    const expected = Buffer.from(token);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
      return reply(res, 401, { error: 'invalid token' });
    if (req.method !== 'POST' || req.url !== '/mcp') return reply(res, 404, { error: 'POST /mcp' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return reply(res, 413, { error: 'message too large' });
      chunks.push(c as Buffer);
    }
    let m: JSONRPCMessage;
    try {
      m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONRPCMessage;
    } catch {
      return reply(res, 400, { error: 'not JSON' });
    }
    if (!('method' in m) || !('id' in m) || m.id === undefined) {
      transport.onmessage?.(m);
      return reply(res, 202);
    }
    const answer = new Promise<JSONRPCMessage>((r) => waiting.set(m.id as string | number, r));
    transport.onmessage?.(m);
    reply(res, 200, await answer);
  };
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    token,
    close: async () => {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await server.close();
    },
  };
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}
