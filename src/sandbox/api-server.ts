import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseDryRun, sendError, sendJson } from './api-helpers.ts';
import { type ApiPath, parseApiPath } from './api-paths.ts';
import type { ClusterState } from './cluster-state.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import { handleExecUpgrade } from './exec/exec-upgrade.ts';
import { serveHpaV1 } from './hpa-v1.ts';
import {
  authenticate,
  authorizeImpersonated,
  authorizeImpersonation,
  authorizeNodeProxy,
  type Impersonated,
  impersonationOf,
} from './impersonation.ts';
import { readMetrics, statsSummary } from './metrics.ts';
import { ApiError } from './object-store.ts';
import { openApiGroupDoc, openApiIndex } from './openapi.ts';
import { VERB_HANDLERS } from './verb-handlers.ts';
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
  /** The response's status code, once sent. */
  status?: number;
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
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    handle(state, history, req, res, entry).catch((e) => sendError(res, e));
  };
  // TLS when given a key pair: what an in-cluster client (https://KUBERNETES_SERVICE_HOST) expects.
  const server: Server = opts.tls ? createHttpsServer(opts.tls, listener) : createServer(listener);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: JournalEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      dryRun: false,
      authorization: req.headers.authorization,
    };
    journal.push(entry);
    handleExecUpgrade(state, req, socket, head, entry);
  });
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
  // The API server's health endpoints (`kubectl get --raw /readyz`), open to everyone.
  if (['/healthz', '/readyz', '/livez'].includes(url.pathname) && req.method === 'GET') {
    const checks = ['ping', 'log', 'etcd', 'informer-sync', 'poststarthook/start-apiextensions-controllers'];
    const verbose = url.searchParams.has('verbose');
    const body = verbose
      ? `${checks.map((c) => `[+]${c} ok`).join('\n')}\n${url.pathname.slice(1)} check passed\n`
      : 'ok';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
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
  // `kubectl autoscale` sends autoscaling/v1: converted to the v2 objects the sandbox keeps.
  if (url.pathname.startsWith('/apis/autoscaling/v1/')) {
    if (acting)
      authorizeImpersonated(state, acting, req.method ?? 'GET', hpaPath(state, url.pathname), url.searchParams);
    if (await serveHpaV1(state, req, res, url.pathname, parseDryRun(url.searchParams.get('dryRun')))) return;
  }
  const p = parseApiPath(url.pathname, state.types);
  if (!p) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (p.kind === 'discovery') {
    if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'method not allowed');
    const doc = discoveryDocument(state, p);
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
  if (subresource === 'exec') throw new ApiError(400, 'BadRequest', 'Upgrade request required');
  if (type.computed) {
    if (req.method !== 'GET' || q.get('watch'))
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    return sendJson(res, 200, readMetrics(state, type, namespace, name));
  }
  const handler = VERB_HANDLERS[req.method ?? ''];
  if (!handler) throw new ApiError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);
  return handler({ state, history, req, res, path: p, q, dryRun, acting });
}

/** An autoscaling/v1 HPA path as the v2 resource it stands for (for RBAC, which is per resource, not version). */
function hpaPath(state: ClusterState, pathname: string): Extract<ApiPath, { kind: 'resource' }> {
  const p = parseApiPath(pathname.replace('/apis/autoscaling/v1/', '/apis/autoscaling/v2/'), state.types);
  if (p?.kind !== 'resource') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  return p;
}

/** `/version`, `/api`, `/apis`, a group's versions, a group version's resources. */
function discoveryDocument(state: ClusterState, p: Extract<ApiPath, { kind: 'discovery' }>): unknown {
  if (p.doc === 'version') return versionInfo(state.serverVersion);
  if (p.doc === 'api') return apiVersions();
  if (p.doc === 'apis') return apiGroupList(state.types);
  if (p.doc === 'group') return apiGroupDoc(state.types, p.group);
  return apiResourceList(state.types, p.group, p.version);
}
