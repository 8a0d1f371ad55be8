import type { KubeObject } from '../lib/kube-object.ts';
import type { ClusterState } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import { strategicMergePatch } from './patch.ts';
import type { ResourceType } from './resources.ts';

export const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * Server-side apply, simplified: creates the object when absent, otherwise merges the applied
 * configuration into the live object with strategic-merge semantics. Field ownership and
 * conflict detection are not modelled (ClusterClaw always applies with force).
 */
export function serverSideApply(state: ClusterState, type: ResourceType, namespace: string | undefined, name: string, applied: KubeObject, dryRun: boolean): KubeObject {
  if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw new ApiError(400, 'BadRequest', 'the applied configuration must be an object');
  if (applied.kind !== type.kind) throw new ApiError(400, 'BadRequest', `the kind of the applied configuration (${applied.kind}) does not match the resource (${type.kind})`);
  if (applied.metadata?.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the applied configuration does not match the name on the URL');
  const current = state.store.get(type, namespace, name);
  const body = { ...applied, metadata: { ...applied.metadata, ...(type.namespaced ? { namespace } : {}) } };
  if (!current) return state.store.create(type, body, { dryRun });
  const merged = strategicMergePatch(current, { ...body, metadata: { ...body.metadata, resourceVersion: undefined } }) as KubeObject;
  merged.metadata.resourceVersion = current.metadata.resourceVersion;
  return state.store.update(type, merged, { dryRun, preserveStatus: true });
}

/** DeleteOptions.preconditions: the server refuses with 409 when the object is not the one meant. */
export function checkPreconditions(obj: KubeObject, pre: { uid?: string; resourceVersion?: string } | undefined): void {
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${obj.kind.toLowerCase()}s "${obj.metadata.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${obj.kind.toLowerCase()}s "${obj.metadata.name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
  }
}
