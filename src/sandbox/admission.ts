import type { KubeObject } from '../lib/kube-object.ts';
import { parseQuantity } from '../lib/quantity.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

/** Validation the real API server applies to updates, for the fields the vocabulary touches. */
export function admitUpdate(state: ClusterState, type: ResourceType, current: KubeObject, next: KubeObject): void {
  if (type === T.pvc) admitClaim(state, current, next);
  if (type === T.deployment || type === T.statefulSet || type === T.daemonSet) {
    if (JSON.stringify(current.spec?.selector) !== JSON.stringify(next.spec?.selector)) {
      throw new ApiError(
        422,
        'Invalid',
        `${type.kind}.apps "${current.metadata.name}" is invalid: spec.selector: Invalid value: ${JSON.stringify(next.spec?.selector)}: field is immutable`,
      );
    }
  }
}

function admitClaim(state: ClusterState, current: KubeObject, next: KubeObject): void {
  const before = parseQuantity(current.spec?.resources?.requests?.storage) ?? 0;
  const after = parseQuantity(next.spec?.resources?.requests?.storage) ?? 0;
  const name = current.metadata.name;
  if (after < before)
    throw new ApiError(
      422,
      'Invalid',
      `PersistentVolumeClaim "${name}" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity`,
    );
  if (after === before) return;
  const cls = current.spec?.storageClassName
    ? state.store.get(T.storageClass, undefined, current.spec.storageClassName)
    : undefined;
  if (current.status?.phase !== 'Bound' || !cls?.allowVolumeExpansion) {
    throw new ApiError(
      403,
      'Forbidden',
      `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
    );
  }
}
