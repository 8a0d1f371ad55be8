import { createHash } from 'node:crypto';
import { canonicalJson, isPodReady, type KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';
import { createOwnedPod } from './pod-factory.ts';

const REVISION = 'controller-revision-hash';

/**
 * StatefulSets with OrderedReady semantics: pod N is created only when pods 0..N-1 are ready;
 * each ordinal gets its claims from volumeClaimTemplates; a template change replaces pods from
 * the highest ordinal down, one at a time, as RollingUpdate does.
 */
export function runStatefulSetController(state: ClusterState): void {
  for (const sts of state.store.list(T.statefulSet)) {
    const ns = sts.metadata.namespace;
    const name = sts.metadata.name;
    const revision = `${name}-${createHash('sha256')
      .update(canonicalJson(sts.spec?.template ?? {}))
      .digest('hex')
      .slice(0, 10)}`;
    const replicas = sts.spec?.replicas ?? 1;
    const pods = state.podsOwnedBy(sts);
    const byOrdinal = new Map(pods.map((p) => [Number(p.metadata.name.slice(name.length + 1)), p]));
    for (const [ordinal, pod] of byOrdinal) {
      if (ordinal >= replicas) {
        state.store.delete(T.pod, ns, pod.metadata.name);
        byOrdinal.delete(ordinal);
      }
    }
    for (let i = 0; i < replicas; i++) {
      if (byOrdinal.has(i)) {
        if (!isPodReady(byOrdinal.get(i)!)) break;
        continue;
      }
      for (const t of sts.spec?.volumeClaimTemplates ?? []) {
        const claim = `${t.metadata.name}-${name}-${i}`;
        if (!state.store.get(T.pvc, ns, claim))
          state.store.create(T.pvc, {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: claim, namespace: ns, labels: { ...(sts.spec.selector?.matchLabels ?? {}) } },
            spec: structuredClone(t.spec),
            status: { phase: 'Pending' },
          });
      }
      const volumes = [
        ...(sts.spec?.template?.spec?.volumes ?? []),
        ...(sts.spec?.volumeClaimTemplates ?? []).map((t: any) => ({
          name: t.metadata.name,
          persistentVolumeClaim: { claimName: `${t.metadata.name}-${name}-${i}` },
        })),
      ];
      const pod = createOwnedPod(state, sts, sts.spec.template, {
        name: `${name}-${i}`,
        labels: {
          [REVISION]: revision,
          'statefulset.kubernetes.io/pod-name': `${name}-${i}`,
          'apps.kubernetes.io/pod-index': String(i),
        },
        spec: { hostname: `${name}-${i}`, subdomain: sts.spec.serviceName, volumes },
      });
      if (!pod) break;
      recordEvent(state, sts, {
        reason: 'SuccessfulCreate',
        type: 'Normal',
        component: 'statefulset-controller',
        message: `create Pod ${pod.metadata.name} in StatefulSet ${name} successful`,
      });
      byOrdinal.set(i, pod);
      break; // OrderedReady: one at a time
    }
    const live = [...byOrdinal.values()];
    // RollingUpdate replaces pods from the highest ordinal down, leaving those below `partition` alone.
    const partition: number = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const ordinal = (p: KubeObject) => Number(p.metadata.name.slice(p.metadata.name.lastIndexOf('-') + 1));
    const stale = live
      .filter((p) => p.metadata.labels?.[REVISION] !== revision && ordinal(p) >= partition)
      .sort((a, b) => b.metadata.name.localeCompare(a.metadata.name, undefined, { numeric: true }));
    if (stale.length && live.every(isPodReady) && sts.spec?.updateStrategy?.type !== 'OnDelete') {
      state.store.delete(T.pod, ns, stale[0]!.metadata.name);
      recordEvent(state, sts, {
        reason: 'SuccessfulDelete',
        type: 'Normal',
        component: 'statefulset-controller',
        message: `delete Pod ${stale[0]!.metadata.name} in StatefulSet ${name} successful`,
      });
    }
    const ready = live.filter(isPodReady).length;
    const updated = live.filter((p) => p.metadata.labels?.[REVISION] === revision).length;
    const status = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: ready,
      currentReplicas: stale.length ? live.length - updated : updated,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: stale.length ? (sts.status?.currentRevision ?? revision) : revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    if (JSON.stringify(status) !== JSON.stringify(sts.status))
      state.store.update(T.statefulSet, { ...sts, status }, { statusOnly: true });
  }
}
