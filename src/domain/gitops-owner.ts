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

/**
 * The Argo CD Application or Flux object an object's own marks say re-applies it from Git (Argo
 * CD's tracking annotation; the kustomize- and helm-controller labels), as a reviewer reads it:
 * `Argo CD Application web`, `Flux Kustomization flux-system/site`. Undefined when unmarked (a
 * bare `app.kubernetes.io/instance` label is left alone: Helm charts set it too).
 */
export function reconcilingOwnerMark(metadata: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): string | undefined {
  const tracking = metadata.annotations?.['argocd.argoproj.io/tracking-id'];
  if (tracking) return `Argo CD Application ${tracking.split(':')[0]!.split('_').pop()}`;
  const labels = metadata.labels ?? {};
  for (const kind of ['kustomize', 'helm'] as const) {
    const name = labels[`${kind}.toolkit.fluxcd.io/name`];
    if (name)
      return `Flux ${kind === 'kustomize' ? 'Kustomization' : 'HelmRelease'} ${labels[`${kind}.toolkit.fluxcd.io/namespace`] ?? ''}/${name}`;
  }
  return undefined;
}
