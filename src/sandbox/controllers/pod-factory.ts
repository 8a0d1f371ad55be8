import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { ApiError } from '../object-store.ts';
import { admitCreate } from '../quota.ts';
import { recordEvent } from './event-recorder.ts';

/**
 * Creates a pod from a workload's template, controlled by `owner` (what every workload controller
 * does), through quota and LimitRange admission. A refused pod is the owner's `FailedCreate`
 * Warning event with the API server's message, and undefined: the controller tries again next pass.
 */
export function createOwnedPod(
  state: ClusterState,
  owner: KubeObject,
  template: any,
  extra: { name: string; labels?: Record<string, string>; spec?: Record<string, unknown> },
): KubeObject | undefined {
  const t = template ?? {};
  const pod: KubeObject = {
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
  };
  try {
    admitCreate(state, T.pod, pod);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    recordEvent(state, owner, {
      reason: 'FailedCreate',
      type: 'Warning',
      component: `${owner.kind.toLowerCase()}-controller`,
      // One aggregated event per owner, as the recorder folds the retries' similar events.
      message: `Error creating: ${e.message.replace(extra.name, `${owner.metadata.name}-${stableSuffix(owner.metadata.uid!)}`)}`,
    });
    return undefined;
  }
  return state.store.create(T.pod, pod);
}

function stableSuffix(uid: string): string {
  let h = 0;
  for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(36).slice(0, 5).padEnd(5, 'x');
}
