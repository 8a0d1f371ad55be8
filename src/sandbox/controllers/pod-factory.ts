import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';

/** Creates a pod from a workload's template, controlled by `owner` (what every workload controller does). */
export function createOwnedPod(
  state: ClusterState,
  owner: KubeObject,
  template: any,
  extra: { name: string; labels?: Record<string, string>; spec?: Record<string, unknown> },
): KubeObject {
  const t = template ?? {};
  return state.store.create(T.pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: extra.name,
      namespace: owner.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...structuredClone(t.spec ?? {}), ...(extra.spec ?? {}) },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  });
}
