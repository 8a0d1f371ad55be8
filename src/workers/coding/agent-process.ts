import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { childProcessEnv } from '../../config/config.ts';
import type { Workspace } from '../../git/workspace.ts';
import type { WorkerContext } from '../worker.ts';
import { type ModelProxy, type ModelWire, startModelProxy } from './model-proxy.ts';

/** What an agent CLI's process starts from, before its own variables. */
export interface AgentProcessBase {
  /** The run's model proxy: the CLI's only model endpoint, with a token worth nothing elsewhere. */
  proxy: ModelProxy;
  /** PATH, LANG and a HOME of its own beside the clone: nothing else of ClusterClaw's environment. */
  env: { PATH: string; HOME: string; LANG: string };
}

/**
 * The start of every agent CLI's process: a model proxy for this run (the real key added there,
 * tokens metered into the run, its budget enforced) and a scrubbed environment with a HOME of its
 * own, so no user configuration is read and no credential is inherited.
 */
export async function agentProcessBase(
  ctx: WorkerContext,
  ws: Workspace,
  model: { wire: ModelWire; upstream: string; apiKey: string },
): Promise<AgentProcessBase> {
  const proxy = await startModelProxy({
    ...model,
    onUsage: (u) => ctx.recordUsage(u),
    exhausted: () => ctx.budgetExhausted(),
    onActivity: () => ctx.heartbeat(),
  });
  const home = join(dirname(ws.dir), 'home');
  await mkdir(home, { recursive: true });
  const parent = childProcessEnv();
  return {
    proxy,
    env: { PATH: parent.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: parent.LANG ?? 'C.UTF-8' },
  };
}
