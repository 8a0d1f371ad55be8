import type { KubeObject } from '../lib/kube-object.ts';
import { parseQuantity } from '../lib/quantity.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

// ResourceQuota and LimitRange admission, as the API server's plugins do it: LimitRange first
// (defaults filled in, then min/max checked per container), then every quota of the namespace
// (usage after this object must stay within `hard`). The quota controller keeps `status.used`.

const COUNTED: Record<string, string> = {
  Pod: 'pods',
  Service: 'services',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  ReplicationController: 'replicationcontrollers',
};
const COMPUTE = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'cpu', 'memory'];

type Usage = Record<string, number>;

function isTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function podUsage(pod: KubeObject): Usage {
  const sum = (kind: 'requests' | 'limits', r: 'cpu' | 'memory') =>
    (pod.spec?.containers ?? []).reduce((n: number, c: any) => n + (parseQuantity(c.resources?.[kind]?.[r]) ?? 0), 0);
  const u: Usage = {
    'requests.cpu': sum('requests', 'cpu'),
    'requests.memory': sum('requests', 'memory'),
    'limits.cpu': sum('limits', 'cpu'),
    'limits.memory': sum('limits', 'memory'),
  };
  u.cpu = u['requests.cpu']!;
  u.memory = u['requests.memory']!;
  return u;
}

/** What `obj` adds to each quota key, by `count/<plural>[.<group>]`, the short count names, compute and storage. */
function usageOf(type: ResourceType, obj: KubeObject): Usage {
  const u: Usage = { [`count/${type.plural}${type.group ? `.${type.group}` : ''}`]: 1 };
  if (COUNTED[type.kind]) u[COUNTED[type.kind]!] = 1;
  if (type === T.pod) Object.assign(u, podUsage(obj));
  if (type === T.pvc) u['requests.storage'] = parseQuantity(obj.spec?.resources?.requests?.storage) ?? 0;
  return u;
}

function namespaceUsage(state: ClusterState, namespace: string, keys: string[]): Usage {
  const total: Usage = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const type of state.types.all()) {
    if (!type.namespaced || type.computed) continue;
    const plural = `count/${type.plural}${type.group ? `.${type.group}` : ''}`;
    if (
      !keys.some(
        (k) =>
          k === plural || k === COUNTED[type.kind] || ((type === T.pod || type === T.pvc) && !k.startsWith('count/')),
      )
    )
      continue;
    for (const o of state.store.list(type, namespace)) {
      if (type === T.pod && isTerminal(o)) continue;
      for (const [k, v] of Object.entries(usageOf(type, o))) if (k in total) total[k]! += v;
    }
  }
  return total;
}

export function formatQuantity(key: string, v: number): string {
  if (/cpu$/.test(key)) return Number.isInteger(v) ? String(v) : `${Math.round(v * 1000)}m`;
  if (/memory$|storage$/.test(key)) {
    for (const [s, f] of [
      ['Gi', 2 ** 30],
      ['Mi', 2 ** 20],
      ['Ki', 2 ** 10],
    ] as const)
      if (v >= f && v % f === 0) return `${v / f}${s}`;
    return String(v);
  }
  return String(v);
}

/** LimitRange defaults and bounds, then quotas; throws the API server's Forbidden when either refuses. */
export function admitCreate(state: ClusterState, type: ResourceType, obj: KubeObject): void {
  const ns = obj.metadata.namespace;
  if (!ns) return;
  if (type === T.pod) applyLimitRanges(state, obj);
  const quotas = state.store.list(T.resourceQuota, ns);
  if (quotas.length === 0) return;
  const adds = usageOf(type, obj);
  const name = obj.metadata.name ?? obj.metadata.generateName ?? '';
  for (const q of quotas) {
    const hard: Record<string, string> = q.spec?.hard ?? {};
    const keys = Object.keys(hard).filter((k) => k in adds);
    if (keys.length === 0) continue;
    const missing = type === T.pod ? keys.filter((k) => COMPUTE.includes(k)).filter((k) => unspecified(obj, k)) : [];
    if (missing.length)
      throw new ApiError(
        403,
        'Forbidden',
        `${type.plural} "${name}" is forbidden: failed quota: ${q.metadata.name}: must specify ${missing.join(',')}`,
      );
    const used = namespaceUsage(state, ns, keys);
    const over = keys.filter((k) => used[k]! + adds[k]! > (parseQuantity(hard[k]) ?? Number.POSITIVE_INFINITY) + 1e-9);
    if (over.length === 0) continue;
    const list = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(',');
    throw new ApiError(
      403,
      'Forbidden',
      `${type.plural} "${name}" is forbidden: exceeded quota: ${q.metadata.name}, requested: ${list((k) => formatQuantity(k, adds[k]!))}, used: ${list((k) => formatQuantity(k, used[k]!))}, limited: ${list((k) => hard[k]!)}`,
    );
  }
}

function unspecified(pod: KubeObject, key: string): boolean {
  const [kind, r] = key.includes('.')
    ? (key.split('.') as ['requests' | 'limits', string])
    : (['requests', key] as const);
  return (pod.spec?.containers ?? []).some((c: any) => c.resources?.[kind]?.[r] === undefined);
}

/** LimitRange `default`/`defaultRequest` filled into containers that leave them out; `max`/`min` enforced. */
function applyLimitRanges(state: ClusterState, pod: KubeObject): void {
  for (const lr of state.store.list(T.limitRange, pod.metadata.namespace)) {
    for (const item of (lr.spec?.limits ?? []).filter((l: any) => (l.type ?? 'Container') === 'Container')) {
      for (const c of pod.spec?.containers ?? []) {
        c.resources ??= {};
        // A request left out is the container's own limit when it set one, else the default request.
        const ownLimits = { ...(c.resources.limits ?? {}) };
        for (const [r, v] of Object.entries((item.default ?? {}) as Record<string, string>)) {
          c.resources.limits ??= {};
          c.resources.limits[r] ??= v;
        }
        for (const [r, v] of Object.entries((item.defaultRequest ?? item.default ?? {}) as Record<string, string>)) {
          c.resources.requests ??= {};
          c.resources.requests[r] ??= ownLimits[r] ?? v;
        }
        for (const [r, v] of Object.entries((item.max ?? {}) as Record<string, string>)) {
          const limit = c.resources.limits?.[r];
          if (limit !== undefined && (parseQuantity(limit) ?? 0) > (parseQuantity(v) ?? 0))
            throw new ApiError(
              403,
              'Forbidden',
              `pods "${pod.metadata.name ?? ''}" is forbidden: maximum ${r} usage per Container is ${v}, but limit is ${limit}`,
            );
        }
        for (const [r, v] of Object.entries((item.min ?? {}) as Record<string, string>)) {
          const request = c.resources.requests?.[r];
          if (request !== undefined && (parseQuantity(request) ?? 0) < (parseQuantity(v) ?? 0))
            throw new ApiError(
              403,
              'Forbidden',
              `pods "${pod.metadata.name ?? ''}" is forbidden: minimum ${r} usage per Container is ${v}, but request is ${request}`,
            );
        }
      }
    }
  }
}

/** The quota controller: `status.hard` mirrors the spec, `status.used` what the namespace holds. */
export function runQuotaController(state: ClusterState): void {
  for (const q of state.store.list(T.resourceQuota)) {
    const hard: Record<string, string> = q.spec?.hard ?? {};
    const used = namespaceUsage(state, q.metadata.namespace!, Object.keys(hard));
    const status = {
      hard: { ...hard },
      used: Object.fromEntries(Object.keys(hard).map((k) => [k, formatQuantity(k, used[k] ?? 0)])),
    };
    if (JSON.stringify(status) !== JSON.stringify(q.status))
      state.store.update(T.resourceQuota, { ...q, status }, { statusOnly: true });
  }
}
