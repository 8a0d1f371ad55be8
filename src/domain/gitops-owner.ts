import type { Finding } from './findings.ts';

/**
 * Who applies an object from Git or a chart, found from the marks the tools leave on it: Argo CD's
 * tracking annotation (or its instance label), Flux's kustomize- and helm-controller labels, Helm's
 * release annotations. A live patch of such an object is reverted (self-heal, the next reconcile)
 * or silently diverges from Git: the fix belongs in the owner's source.
 */
export interface GitOpsOwner {
  kind: 'Application' | 'Kustomization' | 'HelmRelease' | 'HelmChart';
  /** The owner object (for HelmChart: the Helm release name). */
  name: string;
  namespace: string;
  /** Where the owner renders from, when it says. */
  source?: GitOpsSource;
}

export interface GitOpsSource {
  /** Repository URL (Git) or chart repository. */
  url?: string;
  /** Path in the repository (Argo CD `path`, Flux `spec.path`, a chart directory). */
  path?: string;
  /** The branch, tag or commit the owner follows. */
  targetRevision?: string;
  /** The commit (or chart version) live objects were last rendered from. */
  revision?: string;
  chart?: string;
}

/** A fix that belongs in Git: the owner that applies it, and the finding the change must make go away. */
export interface GitOpsFix {
  owner: GitOpsOwner;
  finding: Finding;
}

/** A configured repository, in the terms owner mapping needs (claw.yaml `repos:`). */
export interface RepoRef {
  name: string;
  url: string;
  manifests?: readonly string[];
}

/**
 * The configured repository an owner's source lives in: same remote (however spelled: scheme,
 * `git@host:path`, a trailing `.git` or `/`), preferring one whose manifests cover the path.
 */
export function repoForSource(repos: readonly RepoRef[], source: GitOpsSource | undefined): RepoRef | undefined {
  if (!source?.url) return undefined;
  const want = normalizeRemote(source.url);
  const same = repos.filter((r) => normalizeRemote(r.url) === want);
  const path = (source.path ?? '').replace(/^\.\//, '').replace(/\/$/, '');
  return (
    same.find((r) =>
      (r.manifests ?? []).some(
        (g) => path && (g.startsWith(`${path}/`) || path.startsWith(g.replace(/\/?\*\*.*$/, ''))),
      ),
    ) ?? same[0]
  );
}

/** `https://github.com/acme/app.git`, `git@github.com:acme/app`, `ssh://git@github.com/acme/app/` → `github.com/acme/app`. */
export function normalizeRemote(url: string): string {
  let u = url.trim();
  const scp = /^([^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) u = `${scp[2]}/${scp[3]}`;
  u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]+@/, '');
  return u
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}
