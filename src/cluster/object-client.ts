import { HttpMethod, type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { makeApiClient } from './api-client.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * client-node's dynamic client (paths from API discovery, so every kind and CRD works), extended
 * with what it lacks: JSON-patch bodies, subresources (eviction, scale) and an exact body.
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

  async request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', ref: ObjectRef, opts: { subresource?: string; query?: Record<string, string | undefined>; body?: unknown; contentType?: string } = {}): Promise<unknown> {
    const header = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
    let path = await this.specUriPath(header, method === 'POST' && !opts.subresource ? 'create' : 'read');
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
}
