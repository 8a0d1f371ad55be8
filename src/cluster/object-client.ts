import { HttpMethod, type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { ApiObjectRef } from '../domain/object-ref.ts';
import { makeApiClient } from './api-client.ts';

/**
 * client-node's dynamic client (paths from API discovery, so every kind and CRD works), extended
 * with what it lacks: JSON-patch bodies, subresources (eviction, scale) and an exact body. Paths
 * carry the names exactly as given: client-node's own builder lower-cases the whole path and
 * fills in the kubeconfig's default namespace, so a request policy judged for "SHOP" or for no
 * namespace would land somewhere else.
 */
export class ObjectClient extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): ObjectClient {
    const client = makeApiClient(kc, ObjectClient);
    client.setDefaultNamespace(kc);
    return client;
  }

  /** Whether objects of this kind live in a namespace, from API discovery; undefined for an unknown kind. */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean | undefined> {
    return (await this.resource(apiVersion, kind))?.namespaced;
  }

  async request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    ref: ApiObjectRef,
    opts: {
      subresource?: string;
      query?: Record<string, string | undefined>;
      body?: unknown;
      contentType?: string;
    } = {},
  ): Promise<unknown> {
    let path = await this.pathOf(ref, method === 'POST' && !opts.subresource);
    if (opts.subresource) path += `/${opts.subresource}`;
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, v);
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(opts.body));
    }
    return this.requestPromise(ctx);
  }

  /** `/apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]`, names as given; a namespaced kind without a namespace is an error. */
  async pathOf(ref: ApiObjectRef, collection = false): Promise<string> {
    const resource = await this.resource(ref.apiVersion, ref.kind);
    if (!resource) throw new Error(`the cluster does not serve ${ref.kind} in ${ref.apiVersion}`);
    if (resource.namespaced && !ref.namespace)
      throw new Error(`${ref.kind} ${ref.name} is namespaced, but the request names no namespace`);
    const parts = [this.apiVersionPath(ref.apiVersion)];
    if (resource.namespaced) parts.push('namespaces', encodeURIComponent(ref.namespace!));
    parts.push(resource.name);
    if (!collection) parts.push(encodeURIComponent(ref.name));
    return parts.join('/');
  }
}
