import type { IncomingMessage } from 'node:http';
import { reviewAccess } from './access-review.ts';
import type { ApiPath } from './api-paths.ts';
import type { ClusterState } from './cluster-state.ts';
import { ApiError } from './object-store.ts';

export interface Impersonated {
  user: string;
  groups: string[];
}

/**
 * The identity a request asks to act as (Impersonate-User, one Impersonate-Group line per group),
 * as the API server reads it. The sandbox's own caller is cluster-admin, which may impersonate
 * anyone; what the impersonated identity may then do is decided by the stored RBAC objects.
 */
export function impersonationOf(req: IncomingMessage): Impersonated | undefined {
  const user = req.headersDistinct['impersonate-user'];
  const groups = req.headersDistinct['impersonate-group'] ?? [];
  if (!user?.length) {
    if (groups.length)
      throw new ApiError(
        403,
        'Forbidden',
        `requested ${groups.map((g) => `{Group ${g}}`).join(' ')} without impersonating a user`,
      );
    return undefined;
  }
  if (user.length > 1) throw new ApiError(400, 'BadRequest', 'only one Impersonate-User header is allowed');
  // The API server adds system:authenticated to every impersonated user but anonymous.
  const all = user[0] === 'system:anonymous' ? groups : [...new Set([...groups, 'system:authenticated'])];
  return { user: user[0]!, groups: all };
}

/** Who a request without a token is: the sandbox's own administrator, never restricted. */
export const SANDBOX_ADMIN = { username: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'] };

/**
 * The SandboxUser a bearer token names (system:authenticated added, as the API server does), or
 * undefined for a request without one (the admin). Once users are declared, an unknown token is
 * 401, as on a real cluster.
 */
export function authenticate(state: ClusterState, req: IncomingMessage): Impersonated | undefined {
  const header = req.headers.authorization;
  const token = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  const issued = token ? state.serviceAccountTokens.get(token) : undefined;
  // A sandbox without SandboxUser documents checks no other tokens: every caller is its admin (an
  // in-cluster service account's token included), as before users could be declared.
  if (!issued && (!header || state.users.size === 0)) return undefined;
  const user = issued ?? (token ? state.users.get(token) : undefined);
  if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  return { user: user.name, groups: [...new Set([...user.groups, 'system:authenticated'])] };
}

/** A token user may act as someone else only where RBAC grants it `impersonate` on that user and each group. */
export function authorizeImpersonation(state: ClusterState, caller: Impersonated, target: Impersonated): void {
  const asks = [
    { resource: 'users', name: target.user },
    ...target.groups.filter((g) => g !== 'system:authenticated').map((g) => ({ resource: 'groups', name: g })),
  ];
  for (const a of asks) {
    const review = reviewAccess(state, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {} as any,
      spec: {
        user: caller.user,
        groups: caller.groups,
        resourceAttributes: { verb: 'impersonate', group: '', resource: a.resource, name: a.name },
      },
    });
    if (!review.status?.allowed)
      throw new ApiError(
        403,
        'Forbidden',
        `${a.resource} "${a.name}" is forbidden: User "${caller.user}" cannot impersonate resource "${a.resource}" in API group "" at the cluster scope`,
      );
  }
}

/** `get` on nodes/proxy (the kubelet's API through the API server), which RBAC must grant like any resource. */
export function authorizeNodeProxy(state: ClusterState, who: Impersonated, node: string): void {
  const review = reviewAccess(state, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {} as any,
    spec: {
      user: who.user,
      groups: who.groups,
      resourceAttributes: { verb: 'get', group: '', resource: 'nodes', subresource: 'proxy', name: node },
    },
  });
  if (!review.status?.allowed)
    throw new ApiError(
      403,
      'Forbidden',
      `nodes "${node}" is forbidden: User "${who.user}" cannot get resource "nodes/proxy" in API group "" at the cluster scope`,
    );
}

/** The RBAC verb of a request (list and watch on collections; create for POST, also for eviction). */
export function requestVerb(method: string, named: boolean, query: URLSearchParams): string {
  if (method === 'GET')
    return !named ? (query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list') : 'get';
  return (
    (
      { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: named ? 'delete' : 'deletecollection' } as Record<
        string,
        string
      >
    )[method] ?? method.toLowerCase()
  );
}

/** Refuses (403, in the API server's words) a request the impersonated identity may not make. */
export function authorizeImpersonated(
  state: ClusterState,
  who: Impersonated,
  method: string,
  path: Extract<ApiPath, { kind: 'resource' }>,
  query: URLSearchParams,
): void {
  const verb = requestVerb(method, Boolean(path.name), query);
  const group = path.type.group;
  const attrs = {
    verb,
    group,
    resource: path.type.plural,
    subresource: path.subresource,
    namespace: path.namespace,
    name: path.name,
  };
  const review = reviewAccess(state, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {} as any,
    spec: { user: who.user, groups: who.groups, resourceAttributes: attrs },
  });
  if (review.status?.allowed) return;
  const resource = path.subresource ? `${path.type.plural}/${path.subresource}` : path.type.plural;
  const subject = path.name ? `${resource} "${path.name}"` : resource;
  const scope = path.namespace
    ? ` in the namespace "${path.namespace}"`
    : path.type.namespaced
      ? ''
      : ' at the cluster scope';
  throw new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${who.user}" cannot ${verb} resource "${resource}" in API group "${group}"${scope}`,
    { name: path.name, group, kind: path.type.plural },
  );
}
