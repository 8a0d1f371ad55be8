import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../lib/kube-object.ts';
import { APPLY_PATCH } from './apply.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import { decodeKubeProtobuf, KubeProtobufError } from './protobuf/decode-kube.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';

// The API server's small parts: list paging, admission helpers, JSON bodies in and out, Status errors.

const MAX_BODY = 3 * 1024 * 1024;

export function list(state: ClusterState, type: ResourceType, namespace: string | undefined, q: URLSearchParams) {
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  const items = state.store.list(type, namespace).filter((o) => labels(o) && fields(o));
  const limit = Number(q.get('limit') ?? 0);
  const token = q.get('continue');
  const decoded = token ? Buffer.from(token, 'base64url').toString() : '0';
  const offset = Number(decoded);
  if (!/^\d+$/.test(decoded) || (token !== null && !/^[A-Za-z0-9_-]+$/.test(token)))
    throw new ApiError(400, 'BadRequest', 'continue key is not valid: the continue token is malformed');
  const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
  const more = limit > 0 && offset + limit < items.length;
  return {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata: {
      resourceVersion: state.store.resourceVersion,
      ...(more
        ? {
            continue: Buffer.from(String(offset + limit)).toString('base64url'),
            remainingItemCount: items.length - offset - limit,
          }
        : {}),
    },
    items: page,
  };
}

/** The NamespaceLifecycle admission plugin: nothing is created in a namespace that does not exist. */
export function mustHaveNamespace(state: ClusterState, type: ResourceType, namespace: string | undefined): void {
  if (!type.namespaced || !namespace) return;
  const ns = state.store.get(T.namespace, undefined, namespace);
  if (!ns)
    throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
  if (ns.status?.phase === 'Terminating')
    throw new ApiError(
      403,
      'Forbidden',
      `unable to create new content in namespace ${namespace} because it is being terminated`,
      { name: namespace, kind: 'namespaces' },
    );
}

/** Admission warnings travel as RFC 7234 Warning headers (code 299), which kubectl prints. */
export function warn(res: ServerResponse, warnings: string[]): void {
  if (warnings.length)
    res.setHeader(
      'Warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
}

export function parseDryRun(v: string | null): boolean {
  if (v === null) return false;
  if (v === 'All') return true;
  throw new ApiError(400, 'BadRequest', `Invalid dry run value: ${v}`);
}

export function checkKind(type: ResourceType, body: KubeObject): void {
  if (!body || typeof body !== 'object') throw new ApiError(400, 'BadRequest', 'request body must be an object');
  if (body.kind && body.kind !== type.kind)
    throw new ApiError(
      400,
      'BadRequest',
      `the kind of the object (${body.kind}) does not match the resource (${type.kind})`,
    );
}

export async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const ct = req.headers['content-type'] ?? '';
  if (ct.includes('cbor'))
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(c as Buffer);
  }
  // kubectl, helm and client-go send the built-in kinds as protobuf: read as the JSON they stand for.
  if (ct.startsWith(PROTOBUF)) return fromProtobuf(Buffer.concat(chunks));
  const text = Buffer.concat(chunks).toString('utf8');
  if (optional && !text.trim()) return undefined;
  try {
    // Server-side apply bodies are YAML (JSON is YAML too).
    return ct.startsWith(APPLY_PATCH) ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      'BadRequest',
      ct.startsWith(APPLY_PATCH) ? 'the request body is not valid YAML' : 'the request body is not valid JSON',
    );
  }
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function fromProtobuf(body: Buffer): unknown {
  try {
    return decodeKubeProtobuf(body);
  } catch (e) {
    if (!(e instanceof KubeProtobufError)) throw e;
    if (e.unsupported) throw new ApiError(415, 'UnsupportedMediaType', e.message);
    throw new ApiError(400, 'BadRequest', e.message);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err =
    e instanceof ApiError ? e : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
  if (res.headersSent) return void res.end();
  sendJson(res, err.code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    ...(err.details ? { details: err.details } : {}),
    code: err.code,
  });
}
