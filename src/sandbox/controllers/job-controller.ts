import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { randomSuffix } from '../object-store.ts';
import { recordEvent } from './event-recorder.ts';
import { createOwnedPod } from './pod-factory.ts';

/**
 * Runs Jobs to completion: keeps `parallelism` pods active until `completions` succeed, counts
 * failed pods, and fails the Job with BackoffLimitExceeded once failures pass `backoffLimit`.
 */
export function runJobController(state: ClusterState): void {
  for (const job of state.store.list(T.job)) {
    if (
      (job.status?.conditions ?? []).some(
        (c: any) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      )
    )
      continue;
    const spec = job.spec ?? {};
    const pods = state.podsOwnedBy(job);
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length + restartsOf(pods);
    const active = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const completions = spec.completions ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const now = isoSeconds(state.now());
    const status: any = {
      ...(job.status ?? {}),
      startTime: job.status?.startTime ?? now,
      active: active.length,
      succeeded,
      failed,
      ready: active.filter((p) =>
        (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      ).length,
    };
    if (failed > backoffLimit) {
      for (const p of active) state.store.delete(T.pod, p.metadata.namespace, p.metadata.name);
      status.active = 0;
      status.conditions = [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ];
      recordEvent(state, job, {
        reason: 'BackoffLimitExceeded',
        type: 'Warning',
        component: 'job-controller',
        message: 'Job has reached the specified backoff limit',
      });
    } else if (succeeded >= completions) {
      status.completionTime = now;
      status.conditions = [{ type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now }];
      recordEvent(state, job, {
        reason: 'Completed',
        type: 'Normal',
        component: 'job-controller',
        message: 'Job completed',
      });
    } else {
      const want = Math.min(spec.parallelism ?? 1, completions - succeeded);
      for (let i = active.length; i < want; i++) {
        const labels = {
          'batch.kubernetes.io/controller-uid': job.metadata.uid!,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'controller-uid': job.metadata.uid!,
          'job-name': job.metadata.name,
        };
        const pod = createOwnedPod(state, job, spec.template, {
          name: `${job.metadata.name}-${randomSuffix(5)}`,
          labels,
        });
        if (!pod) break;
        recordEvent(state, job, {
          reason: 'SuccessfulCreate',
          type: 'Normal',
          component: 'job-controller',
          message: `Created pod: ${pod.metadata.name}`,
        });
        status.active++;
      }
    }
    if (JSON.stringify(status) !== JSON.stringify(job.status))
      state.store.update(T.job, { ...job, status }, { statusOnly: true });
  }
}

/** With restartPolicy OnFailure, container restarts count as failures toward the backoff limit. */
function restartsOf(pods: { spec?: any; status?: any }[]): number {
  return pods
    .filter((p) => p.spec?.restartPolicy === 'OnFailure')
    .reduce(
      (n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, s: any) => m + (s.restartCount ?? 0), 0),
      0,
    );
}
