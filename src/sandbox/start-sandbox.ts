import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { type JournalEntry, startApiServer } from './api-server.ts';
import { ClusterState } from './cluster-state.ts';
import { reconcileOnce, startControllers } from './controllers/index.ts';
import { type GitOpsTools, startGitOps } from './gitops/gitops-loop.ts';
import { sandboxKubeconfig } from './kubeconfig.ts';
import { type LoadResult, loadState } from './load-state.ts';

export interface Sandbox {
  /**
   * The cluster's identity (its kubeconfig context): `sandbox-<port>-<state digest>`, stable for a
   * state file and port, so a proposal on one sandbox never supersedes one made on another.
   */
  name: string;
  url: string;
  kubeconfig: string;
  state: ClusterState;
  load: LoadResult;
  /** Every API request served, oldest first. */
  journal: JournalEntry[];
  stop(): Promise<void>;
}

export interface SandboxOptions {
  stateYaml: string;
  port?: number;
  /** Where to write the kubeconfig; written before `startSandbox` resolves. */
  kubeconfigPath?: string;
  tickMs?: number;
  /** Serve HTTPS with this key pair (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
  /** Simulated seconds to run the controllers before serving (crash loops and deadlines need time to show). */
  warmupSeconds?: number;
  /** Ready CRD sets to serve (`argocd`, `flux`, …: src/sandbox/crds), loaded before the state's objects. */
  crdSets?: readonly string[];
  /** The git, helm and kubectl the simulated Argo CD and Flux render with (PATH's by default). */
  gitopsTools?: GitOpsTools;
  onError?: (e: unknown) => void;
}

/** Loads the state, settles the controllers once, serves the API and writes the kubeconfig. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const state = new ClusterState();
  const load = loadState(state, opts.stateYaml, opts.crdSets);
  reconcileOnce(state);
  warmUp(state, opts.warmupSeconds ?? 0);
  const api = await startApiServer(state, { port: opts.port, tls: opts.tls });
  const stopControllers = startControllers(state, opts.tickMs ?? 200, opts.onError);
  const name = `sandbox-${new URL(api.url).port}-${createHash('sha256').update(opts.stateYaml).digest('hex').slice(0, 6)}`;
  const kubeconfig = sandboxKubeconfig(
    api.url,
    'default',
    [...state.users].map(([token, u]) => ({ name: u.name, token })),
    name,
  );
  if (opts.kubeconfigPath) await writeFile(opts.kubeconfigPath, kubeconfig, { mode: 0o600 });
  const stopGitOps = await startGitOps(state, {
    tickMs: opts.tickMs ?? 200,
    onError: opts.onError ?? (() => {}),
    tools: opts.gitopsTools,
    kubeconfig,
  });
  return {
    name,
    url: api.url,
    kubeconfig,
    state,
    load,
    journal: api.journal,
    stop: async () => {
      stopControllers();
      await stopGitOps();
      await api.close();
    },
  };
}

/** Advances simulated time in 5-second steps, reconciling at each, as a cluster left running would. */
export function warmUp(state: ClusterState, seconds: number): void {
  for (let t = 0; t < seconds; t += 5) {
    state.clockOffsetMs += 5000;
    reconcileOnce(state);
    reconcileOnce(state);
  }
}
