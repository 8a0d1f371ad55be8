import { clone } from '../lib/kube-object.ts';
import { ApiError } from './object-store.ts';

type Json = any;

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// Merge keys from the Go struct tags of core/apps types (patchMergeKey), by field name.
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  conditions: 'type',
  ownerReferences: 'uid',
  taints: 'key',
  addresses: 'type',
  tolerations: 'key',
};
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/** Kubernetes strategic merge patch, the subset core/apps types need (merge keys, $patch, $deleteFromPrimitiveList). */
export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, Json> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = out[field].filter((x: Json) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(out[k])) out[k] = mergeList(out[k], v, MERGE_KEYS[k]);
    else if (Array.isArray(v) && MERGED_PRIMITIVE_LISTS.has(k) && Array.isArray(out[k]))
      out[k] = [...new Set([...out[k], ...v])];
    else if (isObject(v)) {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = clone(v);
  }
  return out;
}

function mergeList(current: Json[], patch: Json[], key: string): Json[] {
  const out = clone(current);
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) continue;
    const i = out.findIndex((x: Json) => isObject(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMergePatch(out[i], item);
    else out.push(strategicMergePatch({}, item));
  }
  return out;
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. A failed `test` is a 422. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json patch must be an array of operations');
  let doc = clone(target);
  for (const op of ops) {
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        doc = setAt(doc, path, clone(op.value), 'add');
        break;
      case 'replace':
        getAt(doc, path, op.path);
        doc = setAt(doc, path, clone(op.value), 'replace');
        break;
      case 'remove':
        getAt(doc, path, op.path);
        doc = removeAt(doc, path);
        break;
      case 'copy':
        doc = setAt(doc, path, clone(getAt(doc, parsePointer(op.from), op.from)), 'add');
        break;
      case 'move': {
        const value = getAt(doc, parsePointer(op.from), op.from);
        doc = setAt(removeAt(doc, parsePointer(op.from)), path, value, 'add');
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, path, op.path)) !== JSON.stringify(op.value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${op.path} failed`,
          );
        }
        break;
      default:
        throw new ApiError(400, 'BadRequest', `unknown json patch operation "${op.op}"`);
    }
  }
  return doc;
}

function parsePointer(p: unknown): string[] {
  if (typeof p !== 'string' || (p !== '' && !p.startsWith('/')))
    throw new ApiError(400, 'BadRequest', `invalid json pointer ${String(p)}`);
  return p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, path: string[], raw: string): Json {
  let cur = doc;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !(seg in cur)) {
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: path ${raw} does not exist`,
      );
    }
    cur = cur[seg];
  }
  return cur;
}

function setAt(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (path.length === 0) return value;
  const parent = getAt(doc, path.slice(0, -1), `/${path.slice(0, -1).join('/')}`);
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else parent[last] = value;
  return doc;
}

function removeAt(doc: Json, path: string[]): Json {
  const parent = getAt(doc, path.slice(0, -1), '');
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  const ct = contentType.split(';')[0]!.trim();
  if (ct === PATCH_TYPES.json) return jsonPatch(target, patch);
  if ((ct === PATCH_TYPES.merge || ct === PATCH_TYPES.strategic) && !isObject(patch)) {
    throw new ApiError(
      400,
      'BadRequest',
      `error decoding patch: a ${ct === PATCH_TYPES.merge ? 'merge' : 'strategic merge'} patch must be a JSON object`,
    );
  }
  if (ct === PATCH_TYPES.merge) return mergePatch(target, patch);
  if (ct === PATCH_TYPES.strategic) return strategicMergePatch(target, patch);
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(', ')}`,
  );
}
