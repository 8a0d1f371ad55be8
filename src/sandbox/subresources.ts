import { isPodReady, type KubeObject } from '../lib/kube-object.ts';
import { selectorString } from '../lib/label-selector.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { budgetStatus, coveredPods } from './disruption.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

/** The autoscaling/v1 Scale view of a workload (what `kubectl scale` and HPAs read and write). */
export function scaleOf(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
  };
}

/** Writes a Scale back into its workload: only spec.replicas changes, through the normal update path. */
export function writeScale(
  state: ClusterState,
  type: ResourceType,
  current: KubeObject,
  scale: KubeObject,
  dryRun: boolean,
): KubeObject {
  const replicas = scale.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
    );
  }
  const rv = scale.metadata?.resourceVersion;
  const next = {
    ...current,
    metadata: { ...current.metadata, ...(rv ? { resourceVersion: rv } : {}) },
    spec: { ...current.spec, replicas },
  };
  return scaleOf(state.store.update(type, next, { dryRun, preserveStatus: true }));
}

/**
 * POST pods/{name}/eviction: deletes the pod unless a PodDisruptionBudget covering it has no
 * disruptions left, in which case the server answers 429 exactly as the real one does.
 */
export function evictPod(state: ClusterState, namespace: string, name: string, dryRun: boolean): KubeObject {
  const pod = state.store.mustGet(T.pod, namespace, name);
  const pdbs = state.store
    .list(T.pdb, namespace)
    .filter((b) => coveredPods(state, b).some((p) => p.metadata.uid === pod.metadata.uid));
  if (pdbs.length > 1)
    throw new ApiError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  const pdb = pdbs[0];
  if (pdb && isPodReady(pod)) {
    const s = budgetStatus(state, pdb);
    if (s.disruptionsAllowed <= 0) {
      throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${pdb.metadata.name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`,
          },
        ],
      });
    }
  }
  state.store.delete(T.pod, namespace, name, { dryRun });
  return { kind: 'Status', apiVersion: 'v1', metadata: {} as KubeObject['metadata'], status: 'Success', code: 201 };
}
