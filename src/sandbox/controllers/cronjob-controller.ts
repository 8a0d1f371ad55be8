import { lastScheduled, parseSchedule } from '../../lib/cron-schedule.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';

const finished = (job: KubeObject, type: 'Complete' | 'Failed') =>
  (job.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');

/**
 * The CronJob controller: at each scheduled minute (not before the CronJob existed, at most once,
 * unless suspended or past startingDeadlineSeconds) a Job named `<cronjob>-<minutes since epoch>`
 * from the jobTemplate; concurrencyPolicy Allow, Forbid or Replace; `status.active`,
 * `lastScheduleTime` and `lastSuccessfulTime`; and the successful/failed history limits.
 */
export function runCronJobController(state: ClusterState): void {
  const now = state.now();
  for (const cj of state.store.list(T.cronJob)) {
    const owned = state.store
      .list(T.job, cj.metadata.namespace)
      .filter((j) => j.metadata.ownerReferences?.some((r) => r.controller && r.uid === cj.metadata.uid));
    const active = owned.filter((j) => !finished(j, 'Complete') && !finished(j, 'Failed'));
    let lastScheduleTime: string | undefined = cj.status?.lastScheduleTime;
    const schedule = parseSchedule(String(cj.spec?.schedule ?? ''));
    const since = new Date(lastScheduleTime ?? cj.metadata.creationTimestamp ?? now);
    const due = schedule && !cj.spec?.suspend ? lastScheduled(schedule, since, now) : undefined;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (due && (deadline === undefined || now.getTime() - due.getTime() <= deadline * 1000)) {
      const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && active.length) {
        recordEvent(state, cj, {
          reason: 'JobAlreadyActive',
          type: 'Normal',
          component: 'cronjob-controller',
          message: 'Not starting job because prior execution is running and concurrency policy is Forbid',
        });
      } else {
        if (policy === 'Replace')
          for (const j of active) {
            state.store.delete(T.job, j.metadata.namespace, j.metadata.name);
            recordEvent(state, cj, {
              reason: 'SuccessfulDelete',
              type: 'Normal',
              component: 'cronjob-controller',
              message: `Deleted job ${j.metadata.name}`,
            });
          }
        const name = `${cj.metadata.name}-${Math.floor(due.getTime() / 60_000)}`;
        if (!state.store.get(T.job, cj.metadata.namespace, name)) {
          const template = cj.spec?.jobTemplate ?? {};
          state.store.create(T.job, {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name,
              namespace: cj.metadata.namespace,
              labels: { ...(template.metadata?.labels ?? {}) },
              annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': due.toISOString().replace('.000', '') },
              ownerReferences: [
                {
                  apiVersion: 'batch/v1',
                  kind: 'CronJob',
                  name: cj.metadata.name,
                  uid: cj.metadata.uid!,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            },
            spec: structuredClone(template.spec ?? {}),
          });
          recordEvent(state, cj, {
            reason: 'SuccessfulCreate',
            type: 'Normal',
            component: 'cronjob-controller',
            message: `Created job ${name}`,
          });
        }
      }
      lastScheduleTime = isoSeconds(due);
    }
    pruneHistory(state, cj, owned);
    const current = state.store
      .list(T.job, cj.metadata.namespace)
      .filter((j) => j.metadata.ownerReferences?.some((r) => r.controller && r.uid === cj.metadata.uid));
    const succeeded = current
      .filter((j) => finished(j, 'Complete'))
      .map((j) => j.status?.completionTime)
      .filter(Boolean)
      .sort();
    const status: any = {
      ...(current.some((j) => !finished(j, 'Complete') && !finished(j, 'Failed'))
        ? {
            active: current
              .filter((j) => !finished(j, 'Complete') && !finished(j, 'Failed'))
              .map((j) => ({
                kind: 'Job',
                namespace: j.metadata.namespace,
                name: j.metadata.name,
                uid: j.metadata.uid,
                apiVersion: 'batch/v1',
              })),
          }
        : {}),
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(succeeded.length
        ? { lastSuccessfulTime: succeeded[succeeded.length - 1] }
        : cj.status?.lastSuccessfulTime
          ? { lastSuccessfulTime: cj.status.lastSuccessfulTime }
          : {}),
    };
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {}))
      state.store.update(T.cronJob, { ...cj, status }, { statusOnly: true });
  }
}

function pruneHistory(state: ClusterState, cj: KubeObject, owned: KubeObject[]): void {
  const limits: ['Complete' | 'Failed', number][] = [
    ['Complete', cj.spec?.successfulJobsHistoryLimit ?? 3],
    ['Failed', cj.spec?.failedJobsHistoryLimit ?? 1],
  ];
  for (const [type, limit] of limits) {
    const done = owned
      .filter((j) => finished(j, type))
      .sort(
        (a, b) =>
          String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
          a.metadata.name.localeCompare(b.metadata.name),
      );
    for (const j of done.slice(0, Math.max(0, done.length - limit))) {
      state.store.delete(T.job, j.metadata.namespace, j.metadata.name);
      recordEvent(state, cj, {
        reason: 'SuccessfulDelete',
        type: 'Normal',
        component: 'cronjob-controller',
        message: `Deleted job ${j.metadata.name}`,
      });
    }
  }
}
