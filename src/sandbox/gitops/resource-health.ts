import type { KubeObject } from '../../lib/kube-object.ts';

/** gitops-engine's health codes, worst last (an app's health is the worst of its resources'). */
export const HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH_ORDER)[number];
export interface Health {
  status: HealthStatus;
  message?: string;
}

export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return HEALTH_ORDER.indexOf(a) >= HEALTH_ORDER.indexOf(b) ? a : b;
}

const BAD_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * A live object's health by gitops-engine's built-in checks (Argo CD's, and Flux's kstatus reads
 * the same fields). Kinds without a check (ConfigMap, Secret, RBAC…) have no health: undefined.
 */
export function resourceHealth(obj: KubeObject): Health | undefined {
  const s = obj.status ?? {};
  const gen = obj.metadata.generation ?? 0;
  switch (obj.kind) {
    case 'Deployment': {
      if (obj.spec?.paused) return { status: 'Suspended', message: 'Deployment is paused' };
      if (gen > (s.observedGeneration ?? 0))
        return progressing(
          'Waiting for rollout to finish: observed deployment generation less than desired generation',
        );
      const cond = (s.conditions ?? []).find((c: any) => c.type === 'Progressing');
      if (cond?.reason === 'ProgressDeadlineExceeded')
        return { status: 'Degraded', message: `Deployment "${obj.metadata.name}" exceeded its progress deadline` };
      const want = obj.spec?.replicas ?? 1;
      const updated = s.updatedReplicas ?? 0;
      if (updated < want)
        return progressing(
          `Waiting for rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
        );
      if ((s.replicas ?? 0) > updated)
        return progressing(
          `Waiting for rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`,
        );
      if ((s.availableReplicas ?? 0) < updated)
        return progressing(
          `Waiting for rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
        );
      return { status: 'Healthy' };
    }
    case 'StatefulSet':
    case 'DaemonSet': {
      if (gen > (s.observedGeneration ?? 0))
        return progressing('Waiting for rollout to finish: observed generation less than desired generation');
      const want = obj.kind === 'DaemonSet' ? (s.desiredNumberScheduled ?? 0) : (obj.spec?.replicas ?? 1);
      const updated =
        obj.kind === 'DaemonSet' ? (s.updatedNumberScheduled ?? 0) : (s.updatedReplicas ?? s.currentReplicas ?? 0);
      const ready = obj.kind === 'DaemonSet' ? (s.numberAvailable ?? 0) : (s.readyReplicas ?? 0);
      if (updated < want)
        return progressing(`Waiting for rolling update to complete: ${updated} of ${want} pods updated...`);
      if (ready < want) return progressing(`Waiting for ${want - ready} pods to be ready...`);
      return { status: 'Healthy' };
    }
    case 'ReplicaSet': {
      const failure = (s.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure' && c.status === 'True');
      if (failure) return { status: 'Degraded', message: failure.message };
      const want = obj.spec?.replicas ?? 1;
      if ((s.availableReplicas ?? 0) < want)
        return progressing(
          `Waiting for rollout to finish: ${s.availableReplicas ?? 0} out of ${want} new replicas are available...`,
        );
      return { status: 'Healthy' };
    }
    case 'Pod':
      return podHealth(obj);
    case 'PersistentVolumeClaim':
      return s.phase === 'Bound'
        ? { status: 'Healthy' }
        : s.phase === 'Lost'
          ? { status: 'Degraded' }
          : progressing('');
    case 'Service':
      return obj.spec?.type === 'LoadBalancer' && !s.loadBalancer?.ingress?.length
        ? progressing('')
        : { status: 'Healthy' };
    case 'Job': {
      const conds = s.conditions ?? [];
      const failed = conds.find((c: any) => c.type === 'Failed' && c.status === 'True');
      if (failed) return { status: 'Degraded', message: failed.message };
      if (conds.some((c: any) => c.type === 'Complete' && c.status === 'True')) return { status: 'Healthy' };
      return progressing('');
    }
    case 'Application':
      return obj.status?.health?.status ? { status: obj.status.health.status } : undefined;
    default:
      return undefined;
  }
}

function podHealth(pod: KubeObject): Health {
  const s = pod.status ?? {};
  for (const c of [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting && BAD_WAITING.has(waiting.reason))
      return { status: 'Degraded', message: waiting.message ?? waiting.reason };
  }
  if (s.phase === 'Succeeded') return { status: 'Healthy' };
  if (s.phase === 'Failed') return { status: 'Degraded', message: s.message ?? '' };
  if (s.phase === 'Running' && (s.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
    return { status: 'Healthy' };
  return progressing('');
}

function progressing(message: string): Health {
  return message ? { status: 'Progressing', message } : { status: 'Progressing' };
}
