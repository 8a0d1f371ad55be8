// An MCP server over stdio that is only a relay: each newline-delimited JSON-RPC message from the
// agent CLI that started it is posted to ClusterClaw's endpoint for the run (CLAW_MCP_URL, bearer
// CLAW_MCP_TOKEN), and each answer is written back as a line. It holds nothing else: no
// kubeconfig, no key, no database. Started by the CLI as `node mcp-stdio-relay.ts`; it imports
// nothing of ClusterClaw's, so it runs wherever the CLI runs.
import { createInterface } from 'node:readline';

const url = process.env.CLAW_MCP_URL;
const token = process.env.CLAW_MCP_TOKEN;
if (!url || !token) {
  process.stderr.write('mcp-stdio-relay: CLAW_MCP_URL and CLAW_MCP_TOKEN are required\n');
  process.exit(2);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
const inFlight = new Set<Promise<void>>();
lines.on('line', (line) => {
  if (!line.trim()) return;
  const p = relay(line).finally(() => inFlight.delete(p));
  inFlight.add(p);
});
lines.on('close', () => void Promise.all(inFlight).then(() => process.exit(0)));

async function relay(line: string): Promise<void> {
  let id: unknown;
  try {
    id = (JSON.parse(line) as { id?: unknown }).id;
  } catch {
    return;
  }
  try {
    const res = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: line,
    });
    if (res.status === 202) return;
    const body = await res.text();
    if (res.ok) process.stdout.write(`${body.trim()}\n`);
    else if (id !== undefined) fail(id, `ClusterClaw answered ${res.status}: ${body.slice(0, 200)}`);
  } catch (e) {
    if (id !== undefined) fail(id, `ClusterClaw is not reachable: ${(e as Error).message}`);
  }
}

function fail(id: unknown, message: string): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message } })}\n`);
}
