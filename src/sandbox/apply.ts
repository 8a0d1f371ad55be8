import { canonicalJson, type KubeObject } from '../lib/kube-object.ts';
import type { ClusterState } from './cluster-state.ts';
import { deletePath, fromFieldsV1, getPath, leafPaths, toFieldsV1 } from './managed-fields.ts';
import { ApiError } from './object-store.ts';
import { strategicMergePatch } from './patch.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';

interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

/**
 * Server-side apply: creates the object when absent; otherwise merges the applied configuration
 * (strategic-merge semantics), records which fields this field manager owns in
 * `metadata.managedFields`, removes fields it applied before and no longer applies (when no
 * other manager owns them), and refuses with 409 when another applier owns a field with a
 * different value, unless `force` takes it over. Lists are owned whole.
 */
export function serverSideApply(
  state: ClusterState,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  applied: KubeObject,
  opts: { dryRun: boolean; manager: string | null; force: boolean },
): KubeObject {
  if (!applied || typeof applied !== 'object' || Array.isArray(applied))
    throw new ApiError(400, 'BadRequest', 'the applied configuration must be an object');
  if (applied.kind !== type.kind)
    throw new ApiError(
      400,
      'BadRequest',
      `the kind of the applied configuration (${applied.kind}) does not match the resource (${type.kind})`,
    );
  if (applied.metadata?.name !== name)
    throw new ApiError(400, 'BadRequest', 'the name of the applied configuration does not match the name on the URL');
  if (!opts.manager)
    throw new ApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  const manager = opts.manager;
  const paths = leafPaths(applied);
  const entry = (): ManagedFieldsEntry => ({
    manager,
    operation: 'Apply',
    apiVersion: apiVersionOf(type),
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
  });
  const current = state.store.get(type, namespace, name);
  const body = { ...applied, metadata: { ...applied.metadata, ...(type.namespaced ? { namespace } : {}) } };
  // A resourceVersion in the applied configuration is a precondition, as on the real server.
  const precondition = applied.metadata?.resourceVersion;
  if (precondition && precondition !== current?.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${type.plural}${type.group ? `.${type.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
  if (!current)
    return state.store.create(
      type,
      { ...body, metadata: { ...body.metadata, managedFields: [entry()] } },
      { dryRun: opts.dryRun },
    );
  const managed = ((current.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? []).filter(
    (m) => !(m.manager === manager && m.operation === 'Apply'),
  );
  const previous = ((current.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? []).find(
    (m) => m.manager === manager && m.operation === 'Apply',
  );
  const conflicts = managed
    .filter((m) => m.operation === 'Apply')
    .flatMap((m) =>
      fromFieldsV1(m.fieldsV1)
        .filter((p) => paths.includes(p) && canonicalJson(getPath(current, p)) !== canonicalJson(getPath(applied, p)))
        .map((p) => ({ manager: m.manager, path: p })),
    );
  if (conflicts.length && !opts.force) {
    throw new ApiError(
      409,
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.map((c) => `conflict with "${c.manager}": .${c.path}`).join(', ')}`,
      {
        causes: conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}"`,
          field: `.${c.path}`,
        })),
      },
    );
  }
  // Forcing takes the conflicting fields away from their previous owners.
  const others = managed.map((m) => ({
    ...m,
    fieldsV1: toFieldsV1(
      fromFieldsV1(m.fieldsV1).filter((p) => !conflicts.some((c) => c.manager === m.manager && c.path === p)),
    ),
  }));
  const merged = strategicMergePatch(current, {
    ...body,
    metadata: { ...body.metadata, resourceVersion: undefined },
  }) as KubeObject;
  const ownedElsewhere = new Set(others.flatMap((m) => fromFieldsV1(m.fieldsV1)));
  for (const p of fromFieldsV1(previous?.fieldsV1))
    if (!paths.includes(p) && !ownedElsewhere.has(p)) deletePath(merged, p);
  merged.metadata.resourceVersion = current.metadata.resourceVersion;
  merged.metadata.managedFields = [...others, entry()];
  return state.store.update(type, merged, { dryRun: opts.dryRun, preserveStatus: true });
}

/** DeleteOptions.preconditions: the server refuses with 409 when the object is not the one meant. */
export function checkPreconditions(obj: KubeObject, pre: { uid?: string; resourceVersion?: string } | undefined): void {
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${obj.kind.toLowerCase()}s "${obj.metadata.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${obj.kind.toLowerCase()}s "${obj.metadata.name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
    );
  }
}
