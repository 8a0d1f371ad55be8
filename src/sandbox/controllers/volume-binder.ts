import type { KubeObject } from '../../lib/kube-object.ts';
import { parseQuantity } from '../../lib/quantity.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';

/**
 * The PV controller: binds pending claims to a matching Available volume, or provisions one
 * through the claim's storage class (WaitForFirstConsumer classes wait for a pod that uses the
 * claim). Also grows bound claims' capacity after an allowed expansion.
 */
export function runVolumeBinder(state: ClusterState): void {
  const classes = state.store.list(T.storageClass);
  for (const pvc of state.store.list(T.pvc)) {
    if (pvc.status?.phase === 'Bound') {
      grow(state, pvc);
      continue;
    }
    const className: string | undefined =
      pvc.spec?.storageClassName ??
      classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true')?.metadata.name;
    const wanted = parseQuantity(pvc.spec?.resources?.requests?.storage) ?? 0;
    const pv = state.store
      .list(T.pv)
      .find(
        (v) =>
          v.status?.phase !== 'Bound' &&
          !v.spec?.claimRef &&
          (v.spec?.storageClassName ?? '') === (className ?? '') &&
          (parseQuantity(v.spec?.capacity?.storage) ?? 0) >= wanted,
      );
    if (pv) {
      bind(state, pvc, pv);
      continue;
    }
    if (!className) {
      pending(
        state,
        pvc,
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
      );
      continue;
    }
    const cls = classes.find((c) => c.metadata.name === className);
    if (!cls) {
      pending(state, pvc, 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      continue;
    }
    if (cls.provisioner === 'kubernetes.io/no-provisioner') {
      pending(state, pvc, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', 'Normal');
      continue;
    }
    if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !consumerScheduled(state, pvc)) {
      pending(state, pvc, 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', 'Normal');
      continue;
    }
    const created = state.store.create(T.pv, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: `pvc-${pvc.metadata.uid}`,
        annotations: { 'pv.kubernetes.io/provisioned-by': cls.provisioner as string },
      },
      spec: {
        capacity: { storage: pvc.spec.resources.requests.storage },
        accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
        storageClassName: className,
        csi: { driver: cls.provisioner, volumeHandle: `vol-${pvc.metadata.uid}` },
      },
      status: { phase: 'Available' },
    });
    recordEvent(state, pvc, {
      reason: 'ProvisioningSucceeded',
      type: 'Normal',
      component: `${cls.provisioner}`,
      message: `Successfully provisioned volume ${created.metadata.name}`,
    });
    bind(state, pvc, created);
  }
}

function consumerScheduled(state: ClusterState, pvc: KubeObject): boolean {
  return state.store
    .list(T.pod, pvc.metadata.namespace)
    .some((p) => (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
}

function bind(state: ClusterState, pvc: KubeObject, pv: KubeObject): void {
  state.store.update(T.pv, {
    ...pv,
    spec: {
      ...pv.spec,
      claimRef: {
        kind: 'PersistentVolumeClaim',
        namespace: pvc.metadata.namespace,
        name: pvc.metadata.name,
        uid: pvc.metadata.uid,
      },
    },
  });
  state.store.update(
    T.pv,
    { ...state.store.mustGet(T.pv, undefined, pv.metadata.name), status: { phase: 'Bound' } },
    { statusOnly: true },
  );
  const bound = state.store.update(T.pvc, {
    ...pvc,
    spec: {
      ...pvc.spec,
      volumeName: pv.metadata.name,
      storageClassName: pvc.spec?.storageClassName ?? pv.spec?.storageClassName,
    },
  });
  state.store.update(
    T.pvc,
    { ...bound, status: { phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: { ...pv.spec?.capacity } } },
    { statusOnly: true },
  );
}

function pending(
  state: ClusterState,
  pvc: KubeObject,
  reason: string,
  message: string,
  type: 'Normal' | 'Warning' = 'Warning',
): void {
  if (pvc.status?.phase !== 'Pending')
    state.store.update(T.pvc, { ...pvc, status: { phase: 'Pending' } }, { statusOnly: true });
  recordEvent(state, pvc, { reason, type, component: 'persistentvolume-controller', message, count: 1 });
}

const RESIZE_STEP_MS = 2000;

/**
 * Online expansion as the external resizer and the kubelet do it: `Resizing` while the volume
 * grows, then `FileSystemResizePending` until the node expands the file system, then the new
 * capacity (each step a couple of seconds).
 */
function grow(state: ClusterState, pvc: KubeObject): void {
  const want = pvc.spec?.resources?.requests?.storage;
  if (!want || parseQuantity(want)! <= (parseQuantity(pvc.status?.capacity?.storage) ?? 0)) return;
  const now = state.now();
  const condition = (pvc.status?.conditions ?? [])[0];
  const since = condition ? now.getTime() - new Date(condition.lastTransitionTime).getTime() : 0;
  const setCondition = (type: string, message?: string) =>
    state.store.update(
      T.pvc,
      {
        ...pvc,
        status: {
          ...pvc.status,
          allocatedResources: { storage: want },
          conditions: [
            {
              type,
              status: 'True',
              lastProbeTime: null,
              lastTransitionTime: isoSeconds(now),
              ...(message ? { message } : {}),
            },
          ],
        },
      },
      { statusOnly: true },
    );
  if (!condition) {
    setCondition('Resizing');
    recordEvent(state, pvc, {
      reason: 'Resizing',
      type: 'Normal',
      component: 'external-resizer',
      message: `External resizer is resizing volume ${pvc.spec.volumeName}`,
    });
    return;
  }
  if (since < RESIZE_STEP_MS) return;
  const pv = state.store.get(T.pv, undefined, pvc.spec.volumeName);
  if (condition.type === 'Resizing') {
    if (pv) state.store.update(T.pv, { ...pv, spec: { ...pv.spec, capacity: { storage: want } } });
    setCondition(
      'FileSystemResizePending',
      'Waiting for user to (re-)start a pod to finish file system resize of volume on node.',
    );
    recordEvent(state, pvc, {
      reason: 'FileSystemResizeRequired',
      type: 'Normal',
      component: 'external-resizer',
      message: 'Require file system resize of volume on node',
    });
    return;
  }
  const { conditions: _done, ...rest } = pvc.status ?? {};
  state.store.update(T.pvc, { ...pvc, status: { ...rest, capacity: { storage: want } } }, { statusOnly: true });
  recordEvent(state, pvc, {
    reason: 'FileSystemResizeSuccessful',
    type: 'Normal',
    component: 'kubelet',
    message: `MountVolume.NodeExpandVolume succeeded for volume "${pvc.spec.volumeName}"`,
  });
}
