import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Slots } from '../../lib/slots.ts';
import { agentProcessBase } from './agent-process.ts';
import { type CodingWorker, codingWorker } from './change-worker.ts';
import type { ModelWire } from './model-proxy.ts';
import { openclawSession } from './openclaw-session.ts';

/** OpenClaw's oldest Node: it needs node:sqlite as 24.16 ships it. */
const MIN_NODE = [24, 16];

/** The only tools OpenClaw gets: its file tools, which cannot leave the clone. No shell, no web. */
const FILE_TOOLS = ['read', 'ls', 'edit', 'write', 'apply_patch'];

/** Which of OpenClaw's request adapters speaks to the model behind our proxy, and how. */
export interface OpenclawEndpoint {
  wire: ModelWire;
  /** OpenClaw's `api` for the provider entry: `anthropic-messages`, `openai-responses`, `openai-completions`. */
  api: string;
  /** The real endpoint (the proxy forwards to it); `/v1` is kept on our side of the proxy. */
  baseUrl: string;
  apiKey: string;
}

/**
 * The pinned OpenClaw of `agent-clis/` (`npm run agent-clis`). It is not a dependency of
 * ClusterClaw's: its installer refuses the Node 20 that runs `npm ci` on many machines.
 */
const PINNED = fileURLToPath(new URL('../../../agent-clis/node_modules/openclaw/openclaw.mjs', import.meta.url));

/**
 * Where the OpenClaw CLI is: `configured` (OPENCLAW_PATH, a script run with our Node), else the
 * pinned one in `agent-clis/`. An error says what is missing.
 */
export function openclawExecutable(configured?: string): { path: string } | { missing: string } {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < MIN_NODE[0]! || (major === MIN_NODE[0] && minor < MIN_NODE[1]!))
    return { missing: `OpenClaw needs Node ${MIN_NODE.join('.')} or later (this is ${process.versions.node})` };
  if (configured)
    return existsSync(configured) ? { path: configured } : { missing: `OPENCLAW_PATH ${configured} does not exist` };
  return existsSync(PINNED)
    ? { path: PINNED }
    : { missing: 'OpenClaw is not installed: run `npm run agent-clis`, or set OPENCLAW_PATH' };
}

/**
 * `openclaw:<provider>/<model>`: the real OpenClaw CLI's local agent mode as a coding worker. Its
 * configuration is ours, pinned per attempt (`--config`, no ambient config): one provider, our
 * loopback model proxy with the run's token; only its file tools, bounded to the clone by
 * OpenClaw itself; its shell (`exec`, `process`) denied. Its environment is scrubbed like every
 * agent's, with a HOME of its own.
 */
export function openclawWorker(
  id: string,
  model: string,
  opts: { endpoint: OpenclawEndpoint; executable: string; timeoutSeconds: number; slots?: Slots },
): CodingWorker {
  return codingWorker(
    id,
    async (ctx, ws) => {
      const v1 = /\/v1\/?$/.test(opts.endpoint.baseUrl);
      const { proxy, env } = await agentProcessBase(ctx, ws, {
        wire: opts.endpoint.wire,
        upstream: opts.endpoint.baseUrl.replace(/\/v1\/?$/, '').replace(/\/+$/, ''),
        apiKey: opts.endpoint.apiKey,
      });
      const config = join(dirname(ws.dir), 'openclaw.json');
      await writeFile(config, JSON.stringify(openclawConfig(model, opts.endpoint.api, proxy, v1)), { mode: 0o600 });
      const session = openclawSession({
        cwd: ws.dir,
        gitAside: join(dirname(ws.dir), 'git-aside'),
        executable: opts.executable,
        args: ['--config', config, '--model', `clusterclaw/${model}`, '--json', '--timeout', `${opts.timeoutSeconds}`],
        env,
        emit: (e) => ctx.emit(e),
        heartbeat: () => ctx.heartbeat(),
        signal: ctx.signal,
      });
      return {
        turn: (m, s) => session.turn(m, s),
        close: async () => {
          await session.close();
          await proxy.close();
        },
      };
    },
    opts.slots,
  );
}

/** The attempt's whole OpenClaw configuration: nothing else is read. */
function openclawConfig(model: string, api: string, proxy: { url: string; token: string }, v1: boolean) {
  return {
    models: {
      // Only this provider: no catalog discovery, no other route for its model calls.
      mode: 'replace',
      providers: {
        clusterclaw: {
          // Anthropic's adapter adds /v1 itself; OpenAI-style ones expect it in the base URL.
          baseUrl: api === 'anthropic-messages' || !v1 ? proxy.url : `${proxy.url}/v1`,
          apiKey: proxy.token,
          api,
          models: [
            { id: model, name: model, reasoning: false, input: ['text'], contextWindow: 200000, maxTokens: 16000 },
          ],
        },
      },
    },
    tools: { allow: FILE_TOOLS, deny: ['exec', 'process'] },
  };
}
