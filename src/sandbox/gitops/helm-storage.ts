import { createHash } from 'node:crypto';
import { decodeRelease, encodeRelease, type HelmRelease } from '../../lib/helm-release.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { firstLine, run } from './git-source.ts';

/** A release revision as its Secret holds it. */
export interface StoredRelease {
  secret: KubeObject;
  release: HelmRelease;
}

/** The release's revisions in `namespace`, newest first (helm's `name=<rel>,owner=helm` lookup). */
export function releaseHistory(state: ClusterState, namespace: string, name: string): StoredRelease[] {
  return state.store
    .list(T.secret, namespace, (s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === name)
    .flatMap((secret) => {
      try {
        return [{ secret, release: decodeRelease((secret.data as Record<string, string> | undefined)?.release ?? '') }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.release.version - a.release.version);
}

/** Rewrites a revision's status (the Secret's label and the release JSON), as helm's storage does. */
export function setReleaseStatus(
  state: ClusterState,
  stored: StoredRelease,
  status: string,
  description?: string,
): void {
  const release = {
    ...stored.release,
    info: { ...stored.release.info, status, ...(description ? { description } : {}) },
  };
  const secret = structuredClone(stored.secret);
  secret.metadata.labels = {
    ...secret.metadata.labels,
    status,
    modifiedAt: String(Math.floor(state.now().getTime() / 1000)),
  };
  secret.data = { ...(secret.data as Record<string, string>), release: encodeRelease(release) };
  state.store.update(T.secret, secret);
}

/** helm-controller's history snapshot of one revision (HelmRelease `status.history[]`). */
export function snapshotOf(stored: StoredRelease) {
  const r = stored.release;
  const digest = (v: unknown) =>
    `sha256:${createHash('sha256')
      .update(JSON.stringify(v ?? {}))
      .digest('hex')}`;
  return {
    name: r.name,
    namespace: r.namespace,
    version: r.version,
    status: r.info.status,
    chartName: r.chart.metadata.name,
    chartVersion: r.chart.metadata.version,
    ...(r.chart.metadata.appVersion ? { appVersion: r.chart.metadata.appVersion } : {}),
    configDigest: digest(r.config),
    digest: digest({ manifest: r.manifest, config: r.config }),
    firstDeployed: r.info.first_deployed,
    lastDeployed: r.info.last_deployed,
  };
}

/** The real helm CLI against the sandbox's own API server, with its state kept out of $HOME. */
export class HelmCli {
  private readonly helm: string;
  private readonly kubeconfig: string;
  private readonly home: string;

  constructor(helm: string, kubeconfig: string, home: string) {
    this.helm = helm;
    this.kubeconfig = kubeconfig;
    this.home = home;
  }

  run(args: string[]): Promise<string> {
    return run(this.helm, [
      ...args,
      '--kubeconfig',
      this.kubeconfig,
      '--repository-config',
      `${this.home}/repositories.yaml`,
      '--repository-cache',
      `${this.home}/cache`,
      '--registry-config',
      `${this.home}/registry.json`,
    ]).catch((e: Error) => {
      throw new Error(firstLine(e.message).replace(/^Error: /, ''));
    });
  }
}
