import { createHash } from 'node:crypto';
import { apiVersionOf, groupVersionPath, type ResourceRegistry } from './resources.ts';

/**
 * A minimal OpenAPI v3: enough for `kubectl apply/create -f` to see that the server validates
 * fields itself (every patch operation names its kind and accepts `fieldValidation`). There are
 * no schemas, so `kubectl explain` is not supported.
 */
function groupVersions(types: ResourceRegistry): string[] {
  return [...new Set(types.all().map(groupVersionPath))];
}

function hash(types: ResourceRegistry, path: string): string {
  return createHash('sha256')
    .update(JSON.stringify(groupDoc(types, path)))
    .digest('hex')
    .slice(0, 32)
    .toUpperCase();
}

export function openApiIndex(types: ResourceRegistry): Record<string, unknown> {
  return {
    paths: Object.fromEntries(
      groupVersions(types).map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash(types, gv)}` }]),
    ),
  };
}

export function openApiGroupDoc(types: ResourceRegistry, path: string): Record<string, unknown> | undefined {
  return groupVersions(types).includes(path) ? groupDoc(types, path) : undefined;
}

function groupDoc(registry: ResourceRegistry, path: string): Record<string, unknown> {
  const types = registry.all().filter((t) => groupVersionPath(t) === path);
  const param = {
    name: 'fieldValidation',
    in: 'query',
    description: 'Ignore, Warn or Strict',
    schema: { type: 'string', uniqueItems: true },
  };
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const base = `/${path}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const op = (action: string) => ({
      operationId: `${action}${t.kind}`,
      parameters: [param],
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK' } },
    });
    paths[base] = { post: op('post') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (ClusterClaw sandbox)', version: apiVersionOf(types[0]!) },
    paths,
    components: { schemas: {} },
  };
}
