import type { KubeObject } from '../../lib/kube-object.ts';
import { coversNamespace } from '../../lib/velero-scope.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import type { ResourceType } from '../resources.ts';

/**
 * What a simulated Velero backup captures and how a restore puts it back. Object storage is the
 * ClusterState's `backupContents`: a copy of each object as it was when the backup ran, so a
 * restore really brings back what was lost or changed since.
 */

/** Derived kinds the cluster rebuilds by itself; Velero's restore never restores events either. */
const NOT_CAPTURED = new Set(['Event', 'Endpoints', 'EndpointSlice', 'PodMetrics', 'NodeMetrics']);
/** Velero never restores these, whatever the Restore says (restore_controller nonRestorableResources). */
const NEVER_RESTORED = new Set(['Node', 'Event', 'Backup', 'Restore', 'BackupRepository']);
/** An object carrying this annotation fails to back up: the sandbox's way to make a PartiallyFailed backup. */
export const BACKUP_ERROR_ANNOTATION = 'sandbox.clusterclaw.dev/backup-error';

export interface BackupScope {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: { matchLabels?: Record<string, string> };
}

/** `*` or empty includes every namespace; entries may be globs (`team-*`). */
export function namespacesOf(state: ClusterState, scope: BackupScope): string[] {
  return state.store
    .list(T.namespace)
    .map((n) => n.metadata.name)
    .filter((n) => coversNamespace(scope, n));
}

/** Velero names resources as `deployments`, `deployments.apps` or `*`; kinds are accepted too. */
function resourceMatches(list: string[] | undefined, t: ResourceType): boolean | undefined {
  if (!list?.length) return undefined;
  return list.some(
    (r) =>
      r === '*' ||
      r === t.plural ||
      r === `${t.plural}.${t.group}` ||
      r.toLowerCase() === t.kind.toLowerCase() ||
      (t.kind === 'Event' && r === 'events.events.k8s.io'),
  );
}

function inResources(scope: BackupScope, t: ResourceType): boolean {
  if (resourceMatches(scope.excludedResources, t)) return false;
  return resourceMatches(scope.includedResources, t) ?? true;
}

/** The objects a backup of `scope` holds now: top-level objects (not what a controller makes), without status. */
export function capture(state: ClusterState, scope: BackupScope): { items: KubeObject[]; errors: string[] } {
  const namespaces = namespacesOf(state, scope);
  const items: KubeObject[] = [];
  const errors: string[] = [];
  const want = scope.labelSelector?.matchLabels ?? {};
  const selected = (o: KubeObject) => Object.entries(want).every(([k, v]) => o.metadata.labels?.[k] === v);
  for (const ns of namespaces) {
    const nsObj = state.store.get(T.namespace, undefined, ns);
    if (nsObj && inResources(scope, T.namespace)) items.push(strip(nsObj));
    for (const t of state.types.all()) {
      if (!t.namespaced || t.computed || NOT_CAPTURED.has(t.kind) || !inResources(scope, t)) continue;
      for (const o of state.store.list(t, ns)) {
        if (o.metadata.ownerReferences?.some((r) => r.controller)) continue;
        if (!selected(o)) continue;
        const failure = o.metadata.annotations?.[BACKUP_ERROR_ANNOTATION];
        if (failure) {
          errors.push(`${t.plural}/${ns}/${o.metadata.name}: ${failure}`);
          continue;
        }
        items.push(strip(o));
      }
    }
  }
  return { items, errors };
}

function strip(o: Readonly<KubeObject>): KubeObject {
  const copy = structuredClone(o) as KubeObject;
  const { name, namespace, labels, annotations } = copy.metadata;
  copy.metadata = {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
  delete copy.status;
  return copy;
}

export interface RestoreSpec extends BackupScope {
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy?: 'none' | 'update';
}

export interface RestoreResult {
  restored: number;
  warnings: string[];
  errors: string[];
  total: number;
}

/**
 * Creates what the backup holds and the restore selects, namespaces first, mapped through
 * `namespaceMapping`. An object that exists is left alone with a warning (policy `none`, Velero's
 * default) or replaced by the backed-up copy (`update`).
 */
export function restore(
  state: ClusterState,
  items: readonly KubeObject[],
  spec: RestoreSpec,
  names: { backup: string; restore: string },
): RestoreResult {
  const result: RestoreResult = { restored: 0, warnings: [], errors: [], total: 0 };
  const nsOf = (o: KubeObject) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace!);
  const chosen = items.filter((o) => {
    const t = state.types.findByKind(o.apiVersion, o.kind);
    if (!t || NEVER_RESTORED.has(t.kind) || !inResources(spec, t)) return false;
    return coversNamespace(spec, nsOf(o));
  });
  const ordered = [...chosen].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  result.total = ordered.length;
  for (const item of ordered) {
    const t = state.types.findByKind(item.apiVersion, item.kind)!;
    const obj = structuredClone(item) as KubeObject;
    const target = spec.namespaceMapping?.[nsOf(item)] ?? nsOf(item);
    if (obj.kind === 'Namespace') obj.metadata.name = target;
    else obj.metadata.namespace = target;
    obj.metadata.labels = {
      ...obj.metadata.labels,
      'velero.io/backup-name': names.backup,
      'velero.io/restore-name': names.restore,
    };
    const existing = state.store.get(t, obj.metadata.namespace, obj.metadata.name);
    const where = `${t.plural}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    try {
      if (!existing) {
        state.store.create(t, obj);
        result.restored++;
      } else if (spec.existingResourcePolicy === 'update' && t.kind !== 'Namespace') {
        obj.metadata.resourceVersion = existing.metadata.resourceVersion;
        obj.metadata.uid = existing.metadata.uid;
        state.store.update(t, obj, { preserveStatus: true });
        result.restored++;
      } else if (t.kind !== 'Namespace') {
        const same = JSON.stringify(contentOf(existing)) === JSON.stringify(contentOf(item));
        result.warnings.push(
          `could not restore, ${where} already exists${same ? '' : '. Warning: the in-cluster version is different than the backed-up version'}`,
        );
      }
    } catch (e) {
      result.errors.push(`error restoring ${where}: ${(e as Error).message}`);
    }
  }
  return result;
}

function contentOf(o: Readonly<KubeObject>): unknown {
  const { metadata: _m, status: _s, ...rest } = o as KubeObject;
  return rest;
}
