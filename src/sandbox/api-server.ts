import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseApiPath } from './api-paths.ts';
import { T, type ClusterState } from './cluster-state.ts';
import { containerLogs } from './controllers/kubelet.ts';
import { VERSION_INFO, apiGroupDoc, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { ApiError, type WatchEvent } from './object-store.ts';
import { parse as parseYaml } from 'yaml';
import { admitUpdate } from './admission.ts';
import { APPLY_PATCH, checkPreconditions, serverSideApply } from './apply.ts';
import { applyPatch } from './patch.ts';
import { type ResourceType, apiVersionOf } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { reviewAccess } from './access-review.ts';
import { evictPod, scaleOf, writeScale } from './subresources.ts';
import { WatchHistory } from './watch-history.ts';

const MAX_BODY = 3 * 1024 * 1024;

/** One request as the server saw it: what tests assert on, like client-go's fake Actions(). */
export interface JournalEntry {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  dryRun: boolean;
}

export interface ApiServer {
  server: Server;
  url: string;
  journal: JournalEntry[];
  close(): Promise<void>;
}

/** Serves the Kubernetes REST API subset over `state` on 127.0.0.1. */
export async function startApiServer(state: ClusterState, opts: { port?: number } = {}): Promise<ApiServer> {
  const history = new WatchHistory(state.store);
  const journal: JournalEntry[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    journal.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, contentType: req.headers['content-type'], dryRun: url.searchParams.get('dryRun') === 'All' });
    if (journal.length > 10_000) journal.shift();
    handle(state, history, req, res).catch((e) => sendError(res, e));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    journal,
    close: () => {
      history.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(state: ClusterState, history: WatchHistory, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const p = parseApiPath(url.pathname);
  if (!p) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (p.kind === 'discovery') {
    if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'method not allowed');
    const doc = p.doc === 'version' ? VERSION_INFO
      : p.doc === 'api' ? apiVersions()
      : p.doc === 'apis' ? apiGroupList()
      : p.doc === 'group' ? apiGroupDoc(p.group)
      : apiResourceList(p.group, p.version);
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return sendJson(res, 200, doc);
  }
  const q = url.searchParams;
  const dryRun = parseDryRun(q.get('dryRun'));
  const { type, namespace, name, subresource } = p;
  if (type.namespaced && name && !namespace) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  if (subresource && !type.subresources?.includes(subresource)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  switch (req.method) {
    case 'GET': {
      if (subresource === 'log') return sendLogs(state, res, namespace, name!, q);
      if (subresource === 'scale') return sendJson(res, 200, scaleOf(state.store.mustGet(type, namespace, name!)));
      if (name) return sendJson(res, 200, state.store.mustGet(type, namespace, name));
      if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(state, history, req, res, type, namespace, q);
      return sendJson(res, 200, list(state, type, namespace, q));
    }
    case 'POST': {
      if (name && subresource === 'eviction' && type === T.pod) {
        const eviction = ((await readJson(req, true)) ?? {}) as { deleteOptions?: { dryRun?: string[]; preconditions?: { uid?: string } } };
        checkPreconditions(state.store.mustGet(type, namespace, name), eviction.deleteOptions?.preconditions);
        return sendJson(res, 201, evictPod(state, namespace!, name, dryRun || Boolean(eviction.deleteOptions?.dryRun?.includes('All'))));
      }
      if (name) throw new ApiError(405, 'MethodNotAllowed', 'POST to a named resource is not supported');
      const body = (await readJson(req)) as KubeObject;
      checkKind(type, body);
      if (type.kind === 'SubjectAccessReview') return sendJson(res, 201, reviewAccess(state, body));
      body.metadata = { ...(body.metadata ?? {}), ...(type.namespaced ? { namespace: namespace ?? body.metadata?.namespace } : {}) } as KubeObject['metadata'];
      return sendJson(res, 201, state.store.create(type, body, { dryRun }));
    }
    case 'PUT': {
      const body = (await readJson(req)) as KubeObject;
      if (subresource === 'scale') return sendJson(res, 200, writeScale(state, type, state.store.mustGet(type, namespace, name!), body, dryRun));
      checkKind(type, body);
      if (body.metadata?.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
      body.metadata.namespace = namespace;
      if (!subresource) admitUpdate(state, type, state.store.mustGet(type, namespace, name!), body);
      return sendJson(res, 200, state.store.update(type, body, { dryRun, preserveStatus: !subresource, statusOnly: subresource === 'status' }));
    }
    case 'PATCH': {
      if (!name) throw new ApiError(405, 'MethodNotAllowed', 'PATCH requires a name');
      const contentType = req.headers['content-type'] ?? '';
      const patch = await readJson(req);
      if (contentType.startsWith(APPLY_PATCH)) return sendJson(res, 200, serverSideApply(state, type, namespace, name, patch as KubeObject, dryRun));
      const current = state.store.mustGet(type, namespace, name);
      if (subresource === 'scale') return sendJson(res, 200, writeScale(state, type, current, applyPatch(req.headers['content-type'] ?? '', scaleOf(current), patch) as KubeObject, dryRun));
      const patched = applyPatch(req.headers['content-type'] ?? '', current, patch) as KubeObject;
      patched.metadata = { ...patched.metadata, resourceVersion: patched.metadata?.resourceVersion ?? current.metadata.resourceVersion, name, namespace };
      if (!subresource) admitUpdate(state, type, current, patched);
      return sendJson(res, 200, state.store.update(type, patched, { dryRun, preserveStatus: !subresource, statusOnly: subresource === 'status' }));
    }
    case 'DELETE': {
      if (!name) throw new ApiError(405, 'MethodNotAllowed', 'deletecollection is not supported yet');
      const options = (await readJson(req, true)) as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined;
      checkPreconditions(state.store.mustGet(type, namespace, name), options?.preconditions);
      const gone = state.store.delete(type, namespace, name, { dryRun });
      if (type === T.pod) return sendJson(res, 200, gone);
      return sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: type.plural, uid: gone.metadata.uid } });
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);
  }
}

function list(state: ClusterState, type: ResourceType, namespace: string | undefined, q: URLSearchParams) {
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  const items = state.store.list(type, namespace).filter((o) => labels(o) && fields(o));
  const limit = Number(q.get('limit') ?? 0);
  const offset = Number(Buffer.from(q.get('continue') ?? '', 'base64url').toString() || 0);
  const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
  const more = limit > 0 && offset + limit < items.length;
  return {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata: { resourceVersion: state.store.resourceVersion, ...(more ? { continue: Buffer.from(String(offset + limit)).toString('base64url'), remainingItemCount: items.length - offset - limit } : {}) },
    items: page,
  };
}

function watch(state: ClusterState, history: WatchHistory, req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, q: URLSearchParams): void {
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  const matches = (e: WatchEvent) => e.resource === type && (!namespace || e.object.metadata.namespace === namespace) && labels(e.object) && fields(e.object);
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders(); // client-node's Watch waits for headers; a quiet watch must not hang it.
  const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const rv = q.get('resourceVersion');
  if (!rv || rv === '0') {
    for (const o of state.store.list(type, namespace)) if (labels(o) && fields(o)) write('ADDED', o);
  } else {
    const missed = history.since(Number(rv));
    if (!missed) {
      write('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${rv}` });
      res.end();
      return;
    }
    for (const e of missed) if (matches(e)) write(e.type, e.object);
  }
  const stop = state.store.onEvent((e) => matches(e) && write(e.type, e.object));
  const timeout = setTimeout(() => res.end(), Number(q.get('timeoutSeconds') ?? 1800) * 1000);
  const close = () => {
    stop();
    clearTimeout(timeout);
  };
  req.on('close', close);
  res.on('close', close);
}

function sendLogs(state: ClusterState, res: ServerResponse, namespace: string | undefined, name: string, q: URLSearchParams): void {
  const pod = state.store.mustGet(T.pod, namespace, name);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const container = q.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container) throw new ApiError(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  const logs = containerLogs(state, pod, container, q.get('previous') === 'true');
  if (!logs.ok) throw new ApiError(400, 'BadRequest', logs.message);
  let lines = logs.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // The image prints its lines when the instance starts: sinceSeconds/sinceTime after that hide them.
  const since = q.get('sinceSeconds') ? state.now().getTime() - Number(q.get('sinceSeconds')) * 1000 : q.get('sinceTime') ? Date.parse(q.get('sinceTime')!) : undefined;
  if (since !== undefined && logs.startedAt && logs.startedAt.getTime() < since) lines = [];
  if (q.get('timestamps') === 'true') lines = lines.map((l) => `${(logs.startedAt ?? state.now()).toISOString().replace('Z', '000000Z')} ${l}`);
  const tail = q.get('tailLines');
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  let text = lines.map((l) => `${l}\n`).join('');
  const limitBytes = Number(q.get('limitBytes') ?? 0);
  if (limitBytes > 0) text = Buffer.from(text).subarray(0, limitBytes).toString();
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(text);
}

function parseDryRun(v: string | null): boolean {
  if (v === null) return false;
  if (v === 'All') return true;
  throw new ApiError(400, 'BadRequest', `Invalid dry run value: ${v}`);
}

function checkKind(type: ResourceType, body: KubeObject): void {
  if (!body || typeof body !== 'object') throw new ApiError(400, 'BadRequest', 'request body must be an object');
  if (body.kind && body.kind !== type.kind) throw new ApiError(400, 'BadRequest', `the kind of the object (${body.kind}) does not match the resource (${type.kind})`);
}

async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const ct = req.headers['content-type'] ?? '';
  if (ct.includes('protobuf') || ct.includes('cbor')) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (optional && !text.trim()) return undefined;
  try {
    // Server-side apply bodies are YAML (JSON is YAML too).
    return ct.startsWith(APPLY_PATCH) ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
  if (res.headersSent) return void res.end();
  sendJson(res, err.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, ...(err.details ? { details: err.details } : {}), code: err.code });
}
