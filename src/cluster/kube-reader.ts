import { AppsV1Api, CoreV1Api, type KubeConfig, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeObject } from '../lib/kube-object.ts';
import { clusterNameOf } from './kube-config.ts';

export type PatchType = 'json' | 'merge' | 'strategic';
const CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** The exact write a proposal carries, executed verbatim by the executor. */
export interface WriteRequest {
  verb: 'patch';
  kind: 'Deployment';
  namespace: string;
  name: string;
  patchType: PatchType;
  body: unknown;
}

/**
 * Reads a cluster through @kubernetes/client-node and returns plain JSON objects. It can only
 * dry-run a write: applying one is `KubeWriter`'s job, and only the executor holds a writer.
 */
export class KubeReader {
  readonly cluster: string;
  protected readonly core: CoreV1Api;
  protected readonly apps: AppsV1Api;

  constructor(kc: KubeConfig) {
    this.cluster = clusterNameOf(kc);
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  async listNamespaces(): Promise<string[]> {
    const list = await this.core.listNamespace();
    return list.items.map((n) => n.metadata!.name!);
  }

  async listPods(namespace?: string): Promise<KubeObject[]> {
    const list = namespace ? await this.core.listNamespacedPod({ namespace }) : await this.core.listPodForAllNamespaces();
    return list.items.map((p) => plain(p, 'v1', 'Pod'));
  }

  async readPod(namespace: string, name: string): Promise<KubeObject> {
    return plain(await this.core.readNamespacedPod({ namespace, name }), 'v1', 'Pod');
  }

  async readPodLog(namespace: string, name: string, opts: { container?: string; previous?: boolean; tailLines?: number }): Promise<string> {
    return this.core.readNamespacedPodLog({ namespace, name, container: opts.container, previous: opts.previous, tailLines: opts.tailLines });
  }

  async listEvents(namespace: string, fieldSelector?: string): Promise<KubeObject[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector });
    return list.items.map((e) => plain(e, 'v1', 'Event'));
  }

  async readDeployment(namespace: string, name: string): Promise<KubeObject> {
    return plain(await this.apps.readNamespacedDeployment({ namespace, name }), 'apps/v1', 'Deployment');
  }

  async readReplicaSet(namespace: string, name: string): Promise<KubeObject> {
    return plain(await this.apps.readNamespacedReplicaSet({ namespace, name }), 'apps/v1', 'ReplicaSet');
  }

  async listReplicaSets(namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const list = await this.apps.listNamespacedReplicaSet({ namespace, labelSelector });
    return list.items.map((rs) => plain(rs, 'apps/v1', 'ReplicaSet'));
  }

  /** The object the server would store for `req`, computed by the server (`dryRun=All`). */
  async dryRun(req: WriteRequest): Promise<KubeObject> {
    return this.patchDeployment(req, 'All');
  }

  protected async patchDeployment(req: WriteRequest, dryRun: 'All' | undefined): Promise<KubeObject> {
    const result = await this.apps.patchNamespacedDeployment(
      { namespace: req.namespace, name: req.name, body: req.body as object, dryRun, fieldManager: 'clusterclaw' },
      setHeaderOptions('Content-Type', CONTENT_TYPES[req.patchType]),
    );
    return plain(result, 'apps/v1', 'Deployment');
  }
}

/**
 * Typed client-node models → plain JSON. Core/apps models use the wire field names, so a JSON
 * round trip is exact apart from dates, which come back as ISO strings.
 */
function plain(obj: unknown, apiVersion: string, kind: string): KubeObject {
  const json = JSON.parse(JSON.stringify(obj)) as KubeObject;
  return { ...json, apiVersion: json.apiVersion ?? apiVersion, kind: json.kind ?? kind };
}
