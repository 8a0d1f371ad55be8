import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Slots } from '../../lib/slots.ts';
import { agentProcessBase } from './agent-process.ts';
import { type CodingWorker, codingWorker } from './change-worker.ts';
import { codexSession } from './codex-session.ts';
import { serveMcpEndpoint } from './mcp-endpoint.ts';
import { VOCABULARY_SERVER, vocabularyServer } from './vocabulary-mcp.ts';

/** The environment variable our model provider entry names for the run token (never a real key). */
const TOKEN_ENV = 'CLAW_RUN_TOKEN';
/** The stdio MCP server Codex starts for ClusterClaw's vocabulary: a relay to the run's endpoint. */
const RELAY = fileURLToPath(new URL('./mcp-stdio-relay.ts', import.meta.url));

/**
 * Where the Codex CLI is: `configured` (CODEX_PATH), else the native binary that `@openai/codex`
 * installs for this platform (where the Codex SDK itself looks). An error says what is missing.
 */
export function codexExecutable(configured?: string): { path: string } | { missing: string } {
  if (configured)
    return existsSync(configured) ? { path: configured } : { missing: `CODEX_PATH ${configured} does not exist` };
  const pkg = `@openai/codex-${process.platform}-${process.arch}`;
  try {
    const vendor = join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'vendor');
    for (const triple of readdirSync(vendor)) {
      const path = join(vendor, triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
      if (existsSync(path)) return { path };
    }
  } catch {}
  return { missing: `the Codex CLI the Codex SDK uses (${pkg}) is not installed: run npm ci` };
}

/**
 * `codex:<model>`: the real Codex CLI through OpenAI's Codex SDK as a coding worker. Its sandbox
 * (`workspace-write`) lets its commands write only inside the clone, not in /tmp, and reach no
 * network; nothing asks for approval. Its model is our loopback proxy, declared as its own
 * provider, with a per-run token in the environment: no real key, kubeconfig, database URL, Slack
 * or Git credential reaches the process. No user config is read (its own CODEX_HOME). Its only MCP
 * server is ClusterClaw's vocabulary, through a relay holding nothing but the run's endpoint token.
 */
export function codexWorker(
  id: string,
  model: string,
  opts: { apiKey: string; baseUrl?: string; executable: string; slots?: Slots },
): CodingWorker {
  return codingWorker(
    id,
    async (ctx, ws, _repo, proposed) => {
      const { proxy, env } = await agentProcessBase(ctx, ws, {
        wire: 'openai',
        upstream: (opts.baseUrl ?? 'https://api.openai.com/v1').replace(/\/v1\/?$/, ''),
        apiKey: opts.apiKey,
      });
      // The vocabulary, as Claude Code gets it in-process, served to Codex's relay over loopback.
      const mcp = await serveMcpEndpoint(vocabularyServer(ctx, proposed).instance);
      const session = codexSession({
        cwd: ws.dir,
        model,
        executable: opts.executable,
        env: {
          ...env,
          CODEX_HOME: env.HOME,
          [TOKEN_ENV]: proxy.token,
        },
        config: {
          model_provider: 'clusterclaw',
          model_providers: {
            clusterclaw: {
              name: 'ClusterClaw model proxy',
              base_url: `${proxy.url}/v1`,
              env_key: TOKEN_ENV,
              wire_api: 'responses',
            },
          },
          // /tmp and $TMPDIR are writable in workspace-write unless excluded: only the clone is.
          sandbox_workspace_write: { network_access: false, exclude_slash_tmp: true, exclude_tmpdir_env_var: true },
          check_for_update_on_startup: false,
          mcp_servers: {
            [VOCABULARY_SERVER]: {
              command: process.execPath,
              args: [RELAY],
              env: { CLAW_MCP_URL: mcp.url, CLAW_MCP_TOKEN: mcp.token },
              startup_timeout_sec: 20,
              tool_timeout_sec: 120,
              default_tools_approval_mode: 'approve',
            },
          },
        },
        emit: (e) => ctx.emit(e),
        heartbeat: () => ctx.heartbeat(),
        signal: ctx.signal,
      });
      return {
        turn: (m, s) => session.turn(m, s),
        close: async () => {
          await session.close();
          await proxy.close();
          await mcp.close();
        },
      };
    },
    opts.slots,
  );
}
