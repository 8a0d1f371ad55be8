import type { KubeObject } from '../../lib/kube-object.ts';
import { age } from './duration.ts';

/** kubectl's STATUS for a pod (printPod in pkg/printers/internalversion). */
export function podStatusReason(pod: KubeObject): string {
  const s = pod.status ?? {};
  let reason: string = s.reason || s.phase || 'Pending';
  let hasRunning = false;
  const statuses: any[] = [...(s.containerStatuses ?? [])].reverse();
  for (const c of statuses) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated)
      reason = c.state.terminated.signal
        ? `Signal:${c.state.terminated.signal}`
        : `ExitCode:${c.state.terminated.exitCode}`;
    else if (c.ready && c.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning)
    reason = (s.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  if (pod.metadata.deletionTimestamp) reason = s.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export function podCells(pod: KubeObject, now: Date): unknown[] {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  const ready = statuses.filter((c) => c.ready).length;
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const lastFinish = statuses
    .map((c) => c.lastState?.terminated?.finishedAt)
    .filter(Boolean)
    .sort()
    .pop();
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    podStatusReason(pod),
    lastFinish ? `${restarts} (${age(lastFinish, now)} ago)` : restarts,
    age(pod.metadata.creationTimestamp, now),
    pod.status?.podIP ?? '<none>',
    pod.spec?.nodeName ?? '<none>',
    pod.status?.nominatedNodeName ?? '<none>',
    '<none>',
  ];
}

export const POD_COLUMNS = [
  'Name',
  'Ready',
  'Status',
  'Restarts',
  'Age',
  '*IP',
  '*Node',
  '*Nominated Node',
  '*Readiness Gates',
];
