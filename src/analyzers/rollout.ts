import type { KubeObject } from '../lib/kube-object.ts';

export const REVISION = 'deployment.kubernetes.io/revision';

export interface Revision {
  revision: number;
  replicaSet: string;
  images: string[];
  replicas: number;
  ready: number;
  available: number;
  createdAt?: string;
  current: boolean;
}

export interface RolloutHistory {
  deployment: string;
  namespace: string;
  generation: number;
  currentRevision: number;
  status: RolloutStatus;
  revisions: Revision[];
}

/** The Deployment's ReplicaSets as revisions, newest first. */
export function rolloutHistory(deployment: KubeObject, replicaSets: KubeObject[]): RolloutHistory {
  const owned = replicaSets.filter((rs) =>
    rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === deployment.metadata.uid),
  );
  const current = Number(deployment.metadata.annotations?.[REVISION] ?? 0);
  const revisions = owned
    .map((rs) => ({
      revision: Number(rs.metadata.annotations?.[REVISION] ?? 0),
      replicaSet: rs.metadata.name,
      images: (rs.spec?.template?.spec?.containers ?? []).map((c: any) => c.image as string),
      replicas: rs.status?.replicas ?? 0,
      ready: rs.status?.readyReplicas ?? 0,
      available: rs.status?.availableReplicas ?? 0,
      createdAt: rs.metadata.creationTimestamp,
      current: Number(rs.metadata.annotations?.[REVISION] ?? 0) === current,
    }))
    .sort((a, b) => b.revision - a.revision);
  return {
    deployment: deployment.metadata.name,
    namespace: deployment.metadata.namespace ?? 'default',
    generation: deployment.metadata.generation ?? 1,
    currentRevision: current,
    status: rolloutStatus(deployment),
    revisions,
  };
}

export interface RolloutStatus {
  done: boolean;
  failed: boolean;
  message: string;
}

/**
 * The test `kubectl rollout status` applies (kubectl/pkg/polymorphichelpers/rollout_status.go),
 * so our verdict and kubectl's agree.
 */
export function rolloutStatus(d: KubeObject): RolloutStatus {
  const name = d.metadata.name;
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = (s.conditions ?? []).find((c: any) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  }
  const updated = s.updatedReplicas ?? 0;
  const replicas = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want)
    return {
      done: false,
      failed: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    };
  if (replicas > updated)
    return {
      done: false,
      failed: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    };
  if (available < updated)
    return {
      done: false,
      failed: false,
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

/**
 * Why the Deployment's current revision cannot become available, if its pods already show it
 * (crash loop, OOM, image pull, missing config): lets verification fail fast instead of waiting
 * out a deadline.
 */
export function currentRevisionFailure(
  d: KubeObject,
  replicaSets: KubeObject[],
  pods: KubeObject[],
  diagnose: (pod: KubeObject) => { category: string; severity: number; detail: string },
): string | undefined {
  // Until the controller has observed the change, "current" still means the old revision.
  if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return undefined;
  const revision = d.metadata.annotations?.[REVISION];
  const current = replicaSets.find(
    (rs) =>
      rs.metadata.annotations?.[REVISION] === revision &&
      rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid),
  );
  if (!current) return undefined;
  for (const pod of pods) {
    if (!pod.metadata.ownerReferences?.some((r) => r.uid === current.metadata.uid)) continue;
    const dx = diagnose(pod);
    if (dx.severity >= 3) return `new pod ${pod.metadata.name} (revision ${revision}) is failing: ${dx.detail}`;
  }
  return undefined;
}
