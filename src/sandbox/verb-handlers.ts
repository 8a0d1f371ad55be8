import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../lib/kube-object.ts';
import { reviewAccess, rulesFor } from './access-review.ts';
import { admitUpdate } from './admission.ts';
import { checkKind, list, mustHaveNamespace, readJson, sendJson, warn } from './api-helpers.ts';
import type { ApiPath } from './api-paths.ts';
import { APPLY_PATCH, checkPreconditions, serverSideApply } from './apply.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { type Impersonated, SANDBOX_ADMIN } from './impersonation.ts';
import { sendLogs } from './log-handler.ts';
import { ApiError } from './object-store.ts';
import { applyPatch, PATCH_TYPES } from './patch.ts';
import { admitPodSecurity } from './pod-security.ts';
import { toTable, wantsTable } from './printing/table.ts';
import { admitCreate } from './quota.ts';
import { issueToken } from './service-account-token.ts';
import { evictPod, scaleOf, writeScale } from './subresources.ts';
import { watch } from './watch-handler.ts';
import type { WatchHistory } from './watch-history.ts';

/** A request for a resource, authenticated, authorized and parsed: what a verb's handler works from. */
export interface ResourceRequest {
  state: ClusterState;
  history: WatchHistory;
  req: IncomingMessage;
  res: ServerResponse;
  path: Extract<ApiPath, { kind: 'resource' }>;
  q: URLSearchParams;
  dryRun: boolean;
  /** Who the request acts as (the impersonated user, else the caller); undefined for the sandbox's admin. */
  acting?: Impersonated;
}

/** A read: one object, a list (a Table for kubectl), a watch, logs or the scale subresource. */
async function get(r: ResourceRequest): Promise<void> {
  const { state, history, req, res, q } = r;
  const { type, namespace, name, subresource } = r.path;
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

/** A create, an eviction, or a review (SubjectAccessReview, SelfSubjectReview). */
async function post(r: ResourceRequest): Promise<void> {
  const { state, req, res, dryRun, acting } = r;
  const { type, namespace, name, subresource } = r.path;
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
  if (name && subresource === 'token' && type === T.serviceAccount)
    return sendJson(res, 201, issueToken(state, namespace!, name, ((await readJson(req, true)) ?? {}) as KubeObject));
  if (name) throw new ApiError(405, 'MethodNotAllowed', 'POST to a named resource is not supported');
  const body = (await readJson(req)) as KubeObject;
  checkKind(type, body);
  if (type.kind === 'SubjectAccessReview') return sendJson(res, 201, reviewAccess(state, body));
  // `kubectl auth can-i`: the same decision, for whoever is asking (impersonated or not).
  if (type.kind === 'SelfSubjectAccessReview') {
    const who = acting
      ? { user: acting.user, groups: acting.groups }
      : { user: SANDBOX_ADMIN.username, groups: SANDBOX_ADMIN.groups };
    const review = reviewAccess(state, { ...body, spec: { ...(body.spec ?? {}), ...who } } as KubeObject);
    return sendJson(res, 201, {
      ...body,
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      status: review.status,
    });
  }
  if (type.kind === 'SelfSubjectRulesReview') {
    const who = acting ?? { user: SANDBOX_ADMIN.username, groups: SANDBOX_ADMIN.groups };
    const namespace = (body.spec as { namespace?: string } | undefined)?.namespace ?? 'default';
    return sendJson(res, 201, { ...body, status: rulesFor(state, who.user, who.groups, namespace) });
  }
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
  admitCreate(state, type, body);
  warn(res, admitPodSecurity(state, type, body));
  return sendJson(res, 201, state.store.create(type, body, { dryRun }));
}

/** A replace of the object, its status or its scale. */
async function put(r: ResourceRequest): Promise<void> {
  const { state, req, res, dryRun } = r;
  const { type, namespace, name, subresource } = r.path;
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

/** Server-side apply, or a JSON/merge/strategic patch of the object, its status or its scale. */
async function patch(r: ResourceRequest): Promise<void> {
  const { state, req, res, q, dryRun } = r;
  const { type, namespace, name, subresource } = r.path;
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
  // Custom resources have no Go struct to carry merge keys: the API server refuses strategic merge for them.
  if (type.custom && contentType.split(';')[0]!.trim() === PATCH_TYPES.strategic)
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
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

/** A delete with preconditions; a Pod comes back, anything else a Status. */
async function del(r: ResourceRequest): Promise<void> {
  const { state, req, res, dryRun } = r;
  const { type, namespace, name } = r.path;
  if (!name) throw new ApiError(405, 'MethodNotAllowed', 'deletecollection is not supported yet');
  const options = (await readJson(req, true)) as
    | { preconditions?: { uid?: string; resourceVersion?: string } }
    | undefined;
  const current = state.store.mustGet(type, namespace, name);
  checkPreconditions(current, options?.preconditions);
  // A namespace is emptied first (the namespace controller), Terminating meanwhile, as on a cluster.
  if (type === T.namespace && !dryRun)
    return sendJson(
      res,
      200,
      current.status?.phase === 'Terminating'
        ? current
        : state.store.update(type, { ...current, status: { ...(current.status ?? {}), phase: 'Terminating' } }),
    );
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

/** The API server's verbs on resources, one handler each. */
export const VERB_HANDLERS: Readonly<Record<string, (r: ResourceRequest) => Promise<void>>> = {
  GET: get,
  POST: post,
  PUT: put,
  PATCH: patch,
  DELETE: del,
};
