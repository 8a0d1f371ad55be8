import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../lib/kube-object.ts';
import { reviewAccess } from './access-review.ts';
import { admitUpdate } from './admission.ts';
import { checkKind, list, mustHaveNamespace, parseDryRun, readJson, sendError, sendJson, warn } from './api-helpers.ts';
import { parseApiPath } from './api-paths.ts';
import { APPLY_PATCH, checkPreconditions, serverSideApply } from './apply.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from './discovery.ts';
import {
  authenticate,
  authorizeImpersonated,
  authorizeImpersonation,
  authorizeNodeProxy,
  type Impersonated,
  impersonationOf,
  SANDBOX_ADMIN,
} from './impersonation.ts';
import { sendLogs } from './log-handler.ts';
import { readMetrics, statsSummary } from './metrics.ts';
import { ApiError } from './object-store.ts';
import { openApiGroupDoc, openApiIndex } from './openapi.ts';
import { applyPatch } from './patch.ts';
import { admitPodSecurity } from './pod-security.ts';
import { toTable, wantsTable } from './printing/table.ts';
import { evictPod, scaleOf, writeScale } from './subresources.ts';
import { watch } from './watch-handler.ts';
import { WatchHistory } from './watch-history.ts';

/** One request as the server saw it: what tests assert on, like client-go's fake Actions(). */
export interface JournalEntry {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  dryRun: boolean;
  /** The Authorization header's scheme and credential, as sent (a fake cluster's journal, never logged). */
  authorization?: string;
  /** Who the request acted as when it impersonated someone, as the API server's audit log records it. */
  impersonated?: Impersonated;
}

export interface ApiServer {
  server: Server;
  url: string;
  journal: JournalEntry[];
  close(): Promise<void>;
}

/** Serves the Kubernetes REST API subset over `state` on 127.0.0.1. */
export async function startApiServer(
  state: ClusterState,
  opts: { port?: number; tls?: { key: string; cert: string } } = {},
): Promise<ApiServer> {
  const history = new WatchHistory(state.store);
  const journal: JournalEntry[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: JournalEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'],
      dryRun: url.searchParams.get('dryRun') === 'All',
      authorization: req.headers.authorization,
    };
    journal.push(entry);
    if (journal.length > 10_000) journal.shift();
    handle(state, history, req, res, entry).catch((e) => sendError(res, e));
  };
  // TLS when given a key pair: what an in-cluster client (https://KUBERNETES_SERVICE_HOST) expects.
  const server: Server = opts.tls ? createHttpsServer(opts.tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    journal,
    close: () => {
      history.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  state: ClusterState,
  history: WatchHistory,
  req: IncomingMessage,
  res: ServerResponse,
  entry: JournalEntry,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  // Who is asking: a SandboxUser by bearer token (RBAC applies to them), else the sandbox's
  // admin (kubectl sends no token over plain http; the sandbox listens on loopback only).
  const caller = authenticate(state, req);
  const impersonated = impersonationOf(req);
  if (impersonated && caller) authorizeImpersonation(state, caller, impersonated);
  if (impersonated) entry.impersonated = impersonated;
  const acting = impersonated ?? caller;
  if (url.pathname === '/openapi/v3') return sendJson(res, 200, openApiIndex(state.types));
  if (url.pathname.startsWith('/openapi/v3/')) {
    const doc = openApiGroupDoc(state.types, url.pathname.slice('/openapi/v3/'.length));
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return sendJson(res, 200, doc);
  }
  // Go decodes %2F in paths, so client-node's encoded `proxy/stats%2Fsummary` is the same route.
  const stats = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/stats\/summary$/.exec(decodeURIComponent(url.pathname));
  if (stats && req.method === 'GET') {
    // The kubelet's API through the API server's node proxy: `get` on nodes/proxy, like any resource.
    if (acting) authorizeNodeProxy(state, acting, decodeURIComponent(stats[1]!));
    return sendJson(res, 200, statsSummary(state, decodeURIComponent(stats[1]!)));
  }
  const p = parseApiPath(url.pathname, state.types);
  if (!p) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (p.kind === 'discovery') {
    if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'method not allowed');
    const doc =
      p.doc === 'version'
        ? VERSION_INFO
        : p.doc === 'api'
          ? apiVersions()
          : p.doc === 'apis'
            ? apiGroupList(state.types)
            : p.doc === 'group'
              ? apiGroupDoc(state.types, p.group)
              : apiResourceList(state.types, p.group, p.version);
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return sendJson(res, 200, doc);
  }
  const q = url.searchParams;
  // Discovery and OpenAPI are open to every authenticated user (system:discovery); resources are not.
  // Every authenticated user may ask who they are (the system:basic-user ClusterRole).
  if (acting && p.type.kind !== 'SelfSubjectReview') authorizeImpersonated(state, acting, req.method ?? 'GET', p, q);
  const dryRun = parseDryRun(q.get('dryRun'));
  const { type, namespace, name, subresource } = p;
  if (type.namespaced && name && !namespace)
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (subresource && !type.subresources?.includes(subresource))
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (type.computed) {
    if (req.method !== 'GET' || q.get('watch'))
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    return sendJson(res, 200, readMetrics(state, type, namespace, name));
  }
  switch (req.method) {
    case 'GET': {
      if (subresource === 'log') return sendLogs(state, res, namespace, name!, q);
      if (subresource === 'scale') return sendJson(res, 200, scaleOf(state.store.mustGet(type, namespace, name!)));
      const table = wantsTable(req.headers.accept);
      if (name) {
        const obj = state.store.mustGet(type, namespace, name);
        return sendJson(
          res,
          200,
          table ? toTable(type, [obj], state.now(), { resourceVersion: obj.metadata.resourceVersion }) : obj,
        );
      }
      if (q.get('watch') === 'true' || q.get('watch') === '1')
        return watch(state, history, req, res, type, namespace, q, table);
      const l = list(state, type, namespace, q);
      return sendJson(res, 200, table ? toTable(type, l.items, state.now(), l.metadata) : l);
    }
    case 'POST': {
      if (name && subresource === 'eviction' && type === T.pod) {
        const eviction = ((await readJson(req, true)) ?? {}) as {
          deleteOptions?: { dryRun?: string[]; preconditions?: { uid?: string } };
        };
        checkPreconditions(state.store.mustGet(type, namespace, name), eviction.deleteOptions?.preconditions);
        return sendJson(
          res,
          201,
          evictPod(state, namespace!, name, dryRun || Boolean(eviction.deleteOptions?.dryRun?.includes('All'))),
        );
      }
      if (name) throw new ApiError(405, 'MethodNotAllowed', 'POST to a named resource is not supported');
      const body = (await readJson(req)) as KubeObject;
      checkKind(type, body);
      if (type.kind === 'SubjectAccessReview') return sendJson(res, 201, reviewAccess(state, body));
      if (type.kind === 'SelfSubjectReview')
        return sendJson(res, 201, {
          ...body,
          status: { userInfo: acting ? { username: acting.user, groups: acting.groups } : SANDBOX_ADMIN },
        });
      body.metadata = {
        ...(body.metadata ?? {}),
        ...(type.namespaced ? { namespace: namespace ?? body.metadata?.namespace } : {}),
      } as KubeObject['metadata'];
      mustHaveNamespace(state, type, body.metadata.namespace);
      warn(res, admitPodSecurity(state, type, body));
      return sendJson(res, 201, state.store.create(type, body, { dryRun }));
    }
    case 'PUT': {
      const body = (await readJson(req)) as KubeObject;
      if (subresource === 'scale')
        return sendJson(res, 200, writeScale(state, type, state.store.mustGet(type, namespace, name!), body, dryRun));
      checkKind(type, body);
      if (body.metadata?.name !== name)
        throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
      body.metadata.namespace = namespace;
      if (!subresource) admitUpdate(state, type, state.store.mustGet(type, namespace, name!), body);
      if (!subresource) warn(res, admitPodSecurity(state, type, body));
      return sendJson(
        res,
        200,
        state.store.update(type, body, { dryRun, preserveStatus: !subresource, statusOnly: subresource === 'status' }),
      );
    }
    case 'PATCH': {
      if (!name) throw new ApiError(405, 'MethodNotAllowed', 'PATCH requires a name');
      const contentType = req.headers['content-type'] ?? '';
      const patch = await readJson(req);
      if (contentType.startsWith(APPLY_PATCH)) {
        if (!state.store.get(type, namespace, name)) mustHaveNamespace(state, type, namespace);
        const applied = serverSideApply(state, type, namespace, name, patch as KubeObject, {
          dryRun: true,
          manager: q.get('fieldManager'),
          force: q.get('force') === 'true',
        });
        warn(res, admitPodSecurity(state, type, applied));
        return sendJson(
          res,
          200,
          dryRun
            ? applied
            : serverSideApply(state, type, namespace, name, patch as KubeObject, {
                dryRun,
                manager: q.get('fieldManager'),
                force: q.get('force') === 'true',
              }),
        );
      }
      const current = state.store.mustGet(type, namespace, name);
      if (subresource === 'scale')
        return sendJson(
          res,
          200,
          writeScale(
            state,
            type,
            current,
            applyPatch(req.headers['content-type'] ?? '', scaleOf(current), patch) as KubeObject,
            dryRun,
          ),
        );
      const patched = applyPatch(req.headers['content-type'] ?? '', current, patch) as KubeObject;
      patched.metadata = {
        ...patched.metadata,
        resourceVersion: patched.metadata?.resourceVersion ?? current.metadata.resourceVersion,
        name,
        namespace,
      };
      if (!subresource) admitUpdate(state, type, current, patched);
      if (!subresource) warn(res, admitPodSecurity(state, type, patched));
      return sendJson(
        res,
        200,
        state.store.update(type, patched, {
          dryRun,
          preserveStatus: !subresource,
          statusOnly: subresource === 'status',
        }),
      );
    }
    case 'DELETE': {
      if (!name) throw new ApiError(405, 'MethodNotAllowed', 'deletecollection is not supported yet');
      const options = (await readJson(req, true)) as
        | { preconditions?: { uid?: string; resourceVersion?: string } }
        | undefined;
      checkPreconditions(state.store.mustGet(type, namespace, name), options?.preconditions);
      const gone = state.store.delete(type, namespace, name, { dryRun });
      if (type === T.pod) return sendJson(res, 200, gone);
      return sendJson(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, kind: type.plural, uid: gone.metadata.uid },
      });
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);
  }
}
