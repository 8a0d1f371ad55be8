import { createHash } from 'node:crypto';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import { REQUESTED_AT, reconcileDue, setConditions } from './flux-status.ts';
import { type GitSources, isLocalSource } from './git-source.ts';

/** What a GitRepository's artifact is: the commit its ref resolved to. */
export interface GitArtifact {
  url: string;
  sha: string;
  /** `main@sha1:<sha>`, Flux's revision format. */
  revision: string;
}

/**
 * Flux's source-controller for GitRepository: fetches the ref at each interval (or when asked),
 * and records the artifact and its Ready/ArtifactInStorage conditions, or FetchFailed.
 */
export class GitRepositoryController {
  private readonly lastRun = new Map<string, number>();
  private readonly state: ClusterState;
  private readonly git: GitSources;

  constructor(state: ClusterState, git: GitSources) {
    this.state = state;
    this.git = git;
  }

  async reconcile(): Promise<void> {
    const type = this.state.types.findByKind('source.toolkit.fluxcd.io/v1', 'GitRepository');
    if (!type) return;
    for (const repo of this.state.store.list(type)) {
      const id = `${repo.metadata.namespace}/${repo.metadata.name}`;
      const now = this.state.now().getTime();
      if (!isLocalSource(repo.spec?.url) || repo.spec?.suspend || !reconcileDue(repo, this.lastRun.get(id), now))
        continue;
      this.lastRun.set(id, now);
      const ref = repo.spec?.ref ?? {};
      const name = ref.commit ?? ref.name ?? (ref.tag ? `refs/tags/${ref.tag}` : (ref.branch ?? 'master'));
      const label = ref.commit ? '' : ref.tag ? `${ref.tag}@` : `${ref.branch ?? 'master'}@`;
      this.git.invalidate(repo.spec?.url);
      const resolved = await this.git.resolve(repo.spec?.url, name).then(
        (c) => ({ ok: true as const, sha: c.sha }),
        (e: Error) => ({ ok: false as const, message: e.message }),
      );
      const fresh = this.state.store.get(type, repo.metadata.namespace, repo.metadata.name);
      if (!fresh) continue;
      const stamp = isoSeconds(this.state.now());
      const next = structuredClone(fresh);
      next.status = { ...(next.status ?? {}), observedGeneration: next.metadata.generation };
      const asked = next.metadata.annotations?.[REQUESTED_AT];
      if (asked) next.status.lastHandledReconcileAt = asked;
      if (resolved.ok) {
        const revision = `${label}sha1:${resolved.sha}`;
        const message = `stored artifact for revision '${revision}'`;
        const path = `gitrepository/${id}/${resolved.sha}.tar.gz`;
        next.status.artifact = {
          revision,
          digest: `sha256:${createHash('sha256').update(revision).digest('hex')}`,
          path,
          url: `http://source-controller.flux-system.svc.cluster.local./${path}`,
          lastUpdateTime: fresh.status?.artifact?.revision === revision ? fresh.status.artifact.lastUpdateTime : stamp,
        };
        setConditions(
          next,
          stamp,
          [
            { type: 'Ready', status: 'True', reason: 'Succeeded', message },
            { type: 'ArtifactInStorage', status: 'True', reason: 'Succeeded', message },
          ],
          ['FetchFailed', 'Reconciling', 'Stalled'],
        );
      } else {
        const message = `failed to checkout and determine revision: ${resolved.message}`;
        setConditions(next, stamp, [
          { type: 'Ready', status: 'False', reason: 'GitOperationFailed', message },
          { type: 'FetchFailed', status: 'True', reason: 'GitOperationFailed', message },
        ]);
      }
      this.state.store.update(type, next, { statusOnly: true });
    }
  }
}

/** The artifact a Kustomization or HelmRelease reads: its GitRepository's, when Ready. */
export function gitArtifactOf(
  state: ClusterState,
  owner: KubeObject,
  ref: { kind?: string; name?: string; namespace?: string } | undefined,
): GitArtifact | { error: string } | { remote: true } {
  const ns = ref?.namespace ?? owner.metadata.namespace;
  const kind = ref?.kind ?? 'GitRepository';
  const type = state.types.findByKind('source.toolkit.fluxcd.io/v1', 'GitRepository');
  const repo = kind === 'GitRepository' && type ? state.store.get(type, ns, ref?.name ?? '') : undefined;
  if (!repo) return { error: `Source '${kind}/${ns}/${ref?.name}' not found` };
  if (!isLocalSource(repo.spec?.url)) return { remote: true };
  const artifact = repo.status?.artifact;
  if (!artifact) return { error: `Source artifact not found, retrying in 30s` };
  const sha = String(artifact.revision).split('sha1:')[1] ?? '';
  return { url: repo.spec.url, sha, revision: artifact.revision };
}
