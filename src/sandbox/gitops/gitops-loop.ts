import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterState } from '../cluster-state.ts';
import { ArgoCdController } from './argocd-controller.ts';
import { HelmReleaseController } from './flux-helm.ts';
import { KustomizationController } from './flux-kustomize.ts';
import { GitRepositoryController } from './flux-source.ts';
import { GitSources } from './git-source.ts';
import { HelmCli } from './helm-storage.ts';

/** The binaries the GitOps controllers render and fetch with (PATH's by default). */
export interface GitOpsTools {
  git?: string;
  helm?: string;
  kubectl?: string;
}

/**
 * Runs the GitOps controllers beside the core control loops: asynchronously (they fetch Git and
 * render with real tools), one pass at a time, every `tickMs`. Idle when no Application exists.
 */
export async function startGitOps(
  state: ClusterState,
  opts: { tickMs: number; onError: (e: unknown) => void; tools?: GitOpsTools; kubeconfig: string },
): Promise<() => Promise<void>> {
  const { tickMs, onError, tools = {} } = opts;
  const cache = await mkdtemp(join(tmpdir(), 'claw-gitops-'));
  // helm-controller's helm talks to this sandbox's own API server, as the admin.
  await writeFile(join(cache, 'kubeconfig'), opts.kubeconfig, { mode: 0o600 });
  const git = new GitSources(cache, tools.git ?? 'git');
  const render = { helm: tools.helm ?? 'helm', kubectl: tools.kubectl ?? 'kubectl' };
  const helm = new HelmCli(render.helm, join(cache, 'kubeconfig'), join(cache, 'helm'));
  const controllers = [
    new GitRepositoryController(state, git),
    new KustomizationController(state, git, render),
    new HelmReleaseController(state, git, helm, cache),
    new ArgoCdController(state, git, render),
  ];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    pass = (async () => {
      for (const c of controllers) await c.reconcile().catch(onError);
    })();
    pass.then(() => {
      if (!stopped) timer = setTimeout(tick, tickMs);
    });
  };
  timer = setTimeout(tick, tickMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await pass;
    await rm(cache, { recursive: true, force: true });
  };
}
