import type { KubeObject } from '../../lib/kube-object.ts';
import { serverSideApply } from '../apply.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { ApiError } from '../object-store.ts';
import type { ResourceType } from '../resources.ts';

/** One resource of a sync or reconcile: what it is, and what became of it. */
export interface AppliedResource {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
  message: string;
}

/** Kinds applied before the rest, as Argo CD's sync waves and Flux's apply stages order them. */
const FIRST = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ConfigMap', 'Secret'];

export function refOf(obj: KubeObject): {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
} {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  return {
    group: group!,
    version: version!,
    kind: obj.kind,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name,
  };
}

/**
 * Places rendered objects in the cluster's terms: namespaced kinds without a namespace get the
 * destination's, cluster-scoped ones lose theirs; kinds the cluster does not serve are errors,
 * as the apply would be. `mark` adds the owner's tracking metadata.
 */
export function placeObjects(
  state: ClusterState,
  objects: KubeObject[],
  namespace: string,
  mark: (o: KubeObject) => void,
): { placed: { type: ResourceType; obj: KubeObject }[]; errors: string[] } {
  const placed: { type: ResourceType; obj: KubeObject }[] = [];
  const errors: string[] = [];
  for (const raw of objects) {
    const obj = structuredClone(raw);
    obj.metadata ??= { name: '' };
    const type = state.types.findByKind(obj.apiVersion, obj.kind);
    if (!type) {
      errors.push(
        `the server could not find the requested resource: ${obj.kind}.${obj.apiVersion} "${obj.metadata.name}"`,
      );
      continue;
    }
    if (type.namespaced) obj.metadata.namespace ||= namespace;
    else delete obj.metadata.namespace;
    mark(obj);
    placed.push({ type, obj });
  }
  placed.sort((a, b) => rank(a.obj.kind) - rank(b.obj.kind));
  return { placed, errors };
}

function rank(kind: string): number {
  const i = FIRST.indexOf(kind);
  return i < 0 ? FIRST.length : i;
}

/** Server-side applies each object as `manager`, forcing conflicts (the controller owns what Git declares). */
export function applyAll(
  state: ClusterState,
  placed: { type: ResourceType; obj: KubeObject }[],
  manager: string,
  createNamespace: boolean,
): AppliedResource[] {
  return placed.map(({ type, obj }) => {
    const ns = obj.metadata.namespace;
    try {
      if (ns && type.namespaced && !state.store.get(T.namespace, undefined, ns)) {
        if (!createNamespace) throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`);
        state.store.create(T.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      }
      const existed = Boolean(state.store.get(type, ns, obj.metadata.name));
      serverSideApply(state, type, ns, obj.metadata.name, obj, { dryRun: false, manager, force: true });
      const what = `${type.group ? `${obj.kind.toLowerCase()}.${type.group}` : obj.kind.toLowerCase()}/${obj.metadata.name}`;
      return { ...refOf(obj), status: 'Synced', message: `${what} ${existed ? 'configured' : 'created'}` };
    } catch (e) {
      return { ...refOf(obj), status: 'SyncFailed', message: (e as Error).message };
    }
  });
}

/** Deletes what the owner applied before and Git no longer declares. */
export function pruneAll(
  state: ClusterState,
  gone: { group: string; version: string; kind: string; namespace?: string; name: string }[],
): AppliedResource[] {
  return gone.map((ref) => {
    const type = state.types.findByKind(ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind);
    try {
      if (type && state.store.get(type, ref.namespace, ref.name)) state.store.delete(type, ref.namespace, ref.name);
      return { ...ref, status: 'Pruned', message: 'pruned' };
    } catch (e) {
      return { ...ref, status: 'SyncFailed', message: (e as Error).message };
    }
  });
}
