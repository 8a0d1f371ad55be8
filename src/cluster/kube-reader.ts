import { AppsV1Api, CoreV1Api, type KubeConfig, setHeaderOptions, VersionApi } from '@kubernetes/client-node';
import type { ApiObjectRef } from '../domain/object-ref.ts';
import { CONTENT_TYPES, stepsOf, type WriteRequest, type WriteStep } from '../domain/write-request.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { makeApiClient } from './api-client.ts';
import { clusterNameOf } from './kube-config.ts';
import { ObjectClient } from './object-client.ts';

/**
 * Reads a cluster through @kubernetes/client-node and returns plain JSON objects. It can only
 * dry-run a write: applying one is `KubeWriter`'s job, and only the executor holds a writer.
 */
export class KubeReader {
  readonly cluster: string;
  /** The kubeconfig context's namespace (else `default`): where a namespaced request without one would go. */
  readonly defaultNamespace: string;
  protected readonly core: CoreV1Api;
  protected readonly apps: AppsV1Api;
  protected readonly objects: ObjectClient;
  private readonly versionApi: VersionApi;

  constructor(kc: KubeConfig) {
    this.cluster = clusterNameOf(kc);
    this.defaultNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
    this.core = makeApiClient(kc, CoreV1Api);
    this.apps = makeApiClient(kc, AppsV1Api);
    this.objects = ObjectClient.forConfig(kc);
    this.versionApi = makeApiClient(kc, VersionApi);
  }

  /** The API server's version (`GET /version`): `v1.31.4`, or a distribution's `v1.31.4-eks-…`. */
  async serverVersion(): Promise<string> {
    return (await this.versionApi.getCode()).gitVersion;
  }

  /** Any object by apiVersion/kind (paths from discovery, so CRDs work too). */
  async read(ref: ApiObjectRef): Promise<KubeObject> {
    return plain(await this.objects.request('GET', ref), ref.apiVersion, ref.kind);
  }

  /** Whether a kind is namespaced (API discovery); undefined when the cluster does not serve it. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return this.objects.isNamespaced(apiVersion, kind);
  }

  /** Reads `ref`, or undefined when the server says 404. */
  async find(ref: ApiObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.read(ref);
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace?: string,
    opts: { labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<KubeObject[]> {
    const list = await this.objects.list(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      opts.fieldSelector,
      opts.labelSelector,
    );
    return list.items.map((o) => plain(o, apiVersion, kind));
  }

  /** SubjectAccessReview: a question to the server's authorizer. Reviews are never stored, so a reader may ask. */
  async accessReview(spec: Record<string, unknown>): Promise<KubeObject> {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec };
    const ref = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', name: '' };
    return plain(await this.objects.request('POST', ref, { body }), ref.apiVersion, ref.kind);
  }

  /** Who this kubeconfig authenticates as (SelfSubjectReview, authentication.k8s.io/v1): the server's answer, not the kubeconfig's claim. */
  async whoAmI(): Promise<{ username: string; groups: string[] }> {
    const ref = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', name: '' };
    const review = plain(
      await this.objects.request('POST', ref, { body: { apiVersion: ref.apiVersion, kind: ref.kind, metadata: {} } }),
      ref.apiVersion,
      ref.kind,
    );
    const info = review.status?.userInfo ?? {};
    if (!info.username)
      throw new Error('the API server did not say who this kubeconfig is (SelfSubjectReview has no username)');
    return { username: String(info.username), groups: (info.groups ?? []).map(String) };
  }

  /** metrics.k8s.io pod usage; undefined when the cluster has no metrics API (no metrics-server). */
  async listPodMetrics(namespace?: string): Promise<KubeObject[] | undefined> {
    try {
      return await this.list('metrics.k8s.io/v1beta1', 'PodMetrics', namespace);
    } catch (e) {
      if ((e as { code?: number }).code === 404 || /resource .* not found|not found in/i.test((e as Error).message))
        return undefined;
      throw e;
    }
  }

  /** The kubelet's stats summary for a node (through the API server's node proxy). */
  async nodeStatsSummary(node: string): Promise<{
    pods?: {
      podRef: { name: string; namespace: string };
      volume?: {
        name: string;
        pvcRef?: { name: string; namespace: string };
        capacityBytes?: number;
        usedBytes?: number;
      }[];
    }[];
  }> {
    const text = await this.core.connectGetNodeProxyWithPath({ name: node, path: 'stats/summary' });
    return typeof text === 'string' ? JSON.parse(text) : (text as never);
  }

  async listNamespaces(): Promise<string[]> {
    const list = await this.core.listNamespace();
    return list.items.map((n) => n.metadata!.name!);
  }

  async listPods(namespace?: string, fieldSelector?: string): Promise<KubeObject[]> {
    const list = namespace
      ? await this.core.listNamespacedPod({ namespace, fieldSelector })
      : await this.core.listPodForAllNamespaces({ fieldSelector });
    return list.items.map((p) => plain(p, 'v1', 'Pod'));
  }

  async readPod(namespace: string, name: string): Promise<KubeObject> {
    return plain(await this.core.readNamespacedPod({ namespace, name }), 'v1', 'Pod');
  }

  async readPodLog(
    namespace: string,
    name: string,
    opts: { container?: string; previous?: boolean; tailLines?: number; sinceSeconds?: number },
  ): Promise<string> {
    return this.core.readNamespacedPodLog({
      namespace,
      name,
      container: opts.container,
      previous: opts.previous,
      tailLines: opts.tailLines,
      sinceSeconds: opts.sinceSeconds,
    });
  }

  async listEvents(namespace?: string, fieldSelector?: string): Promise<KubeObject[]> {
    const list = namespace
      ? await this.core.listNamespacedEvent({ namespace, fieldSelector })
      : await this.core.listEventForAllNamespaces({ fieldSelector });
    return list.items.map((e) => plain(e, 'v1', 'Event'));
  }

  async readDeployment(namespace: string, name: string): Promise<KubeObject> {
    return plain(await this.apps.readNamespacedDeployment({ namespace, name }), 'apps/v1', 'Deployment');
  }

  async listReplicaSets(namespace: string, labelSelector?: string): Promise<KubeObject[]> {
    const list = await this.apps.listNamespacedReplicaSet({ namespace, labelSelector });
    return list.items.map((rs) => plain(rs, 'apps/v1', 'ReplicaSet'));
  }

  /**
   * What the server would do for each step (`dryRun=All`): the object it would store, or null
   * for a deletion or eviction it would accept. Refusals (a PDB's 429, a 422) throw.
   */
  async dryRun(req: WriteRequest): Promise<(KubeObject | null)[]> {
    const out: (KubeObject | null)[] = [];
    for (const step of stepsOf(req)) out.push(await this.send(step, true));
    return out;
  }

  protected async send(step: WriteStep, dryRun: boolean): Promise<KubeObject | null> {
    const query = { dryRun: dryRun ? 'All' : undefined };
    if (step.verb === 'patch') {
      // Deployments go through the typed client (what the skeleton verified byte for byte); the rest through discovery.
      if (step.kind === 'Deployment' && !step.subresource && step.patchType !== 'apply') {
        const result = await this.apps.patchNamespacedDeployment(
          {
            namespace: step.namespace!,
            name: step.name,
            body: step.body as object,
            dryRun: query.dryRun,
            fieldManager: 'clusterclaw',
          },
          setHeaderOptions('Content-Type', CONTENT_TYPES[step.patchType]),
        );
        return plain(result, 'apps/v1', 'Deployment');
      }
      const result = await this.objects.request('PATCH', step, {
        subresource: step.subresource,
        body: step.body,
        contentType: CONTENT_TYPES[step.patchType],
        query: { ...query, fieldManager: 'clusterclaw', ...(step.patchType === 'apply' ? { force: 'true' } : {}) },
      });
      return step.subresource ? plain(result, 'autoscaling/v1', 'Scale') : plain(result, step.apiVersion, step.kind);
    }
    if (step.verb === 'evict') {
      await this.objects.request('POST', step, {
        subresource: 'eviction',
        query,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: step.name, namespace: step.namespace },
          deleteOptions: { ...preconditions(step), ...(dryRun ? { dryRun: ['All'] } : {}) },
        },
      });
      return null;
    }
    await this.objects.request('DELETE', step, {
      query,
      body: { kind: 'DeleteOptions', apiVersion: 'v1', ...preconditions(step), ...(dryRun ? { dryRun: ['All'] } : {}) },
    });
    return null;
  }
}

/** DeleteOptions.preconditions for a deletion or eviction: the object meant (uid), as read (resourceVersion). */
function preconditions(step: { uid?: string; resourceVersion?: string }): {
  preconditions?: { uid?: string; resourceVersion?: string };
} {
  if (!step.uid && !step.resourceVersion) return {};
  return {
    preconditions: {
      ...(step.uid ? { uid: step.uid } : {}),
      ...(step.resourceVersion ? { resourceVersion: step.resourceVersion } : {}),
    },
  };
}

/**
 * Typed client-node models → plain JSON. The models use the wire field names, so a JSON round
 * trip is exact apart from dates (ISO strings) and the fields whose wire names are reserved words
 * in the generator, which the models prefix with `_`: a NetworkPolicy rule's `from` and a
 * LimitRange's `default`. Those are put back, so no reader takes an ingress rule for "from
 * anywhere" or a limit range for having no defaults.
 */
export function plain(obj: unknown, apiVersion: string, kind: string): KubeObject {
  const json = JSON.parse(JSON.stringify(obj)) as KubeObject;
  const out = { ...json, apiVersion: json.apiVersion ?? apiVersion, kind: json.kind ?? kind };
  const unprefix = (items: unknown, key: string) => {
    for (const item of Array.isArray(items) ? (items as Record<string, unknown>[]) : [])
      if (item && `_${key}` in item) {
        item[key] = item[`_${key}`];
        delete item[`_${key}`];
      }
  };
  if (out.kind === 'NetworkPolicy') unprefix(out.spec?.ingress, 'from');
  if (out.kind === 'LimitRange') unprefix(out.spec?.limits, 'default');
  return out;
}
