import type { KubeObject } from '../../lib/kube-object.ts';
import { age } from './duration.ts';

/** While init containers run, what printPod shows for them: `Init:N/M`, `Init:Error`, `Init:CrashLoopBackOff`. */
function initReason(pod: KubeObject): string | undefined {
  const specs: any[] = pod.spec?.initContainers ?? [];
  const statuses: any[] = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < statuses.length; i++) {
    const c = statuses[i]!;
    const spec = specs.find((x) => x.name === c.name);
    if (c.state?.terminated?.exitCode === 0) continue;
    if (spec?.restartPolicy === 'Always' && c.started) continue;
    if (c.state?.terminated)
      return c.state.terminated.reason
        ? `Init:${c.state.terminated.reason}`
        : `Init:ExitCode:${c.state.terminated.exitCode}`;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing')
      return `Init:${c.state.waiting.reason}`;
    return `Init:${i}/${specs.length}`;
  }
  return undefined;
}

/** kubectl's STATUS for a pod (printPod in pkg/printers/internalversion). */
export function podStatusReason(pod: KubeObject): string {
  const s = pod.status ?? {};
  const initializing = initReason(pod);
  const initialized = (s.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True');
  if (initializing && !initialized) return pod.metadata.deletionTimestamp ? 'Terminating' : initializing;
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
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').map((c: any) => c.name),
  );
  const statuses: any[] = [
    ...(pod.status?.initContainerStatuses ?? []).filter((c: any) => sidecars.has(c.name)),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const total = (pod.spec?.containers ?? []).length + sidecars.size;
  const ready = statuses.filter((c) => c.ready).length;
  const initialized = (pod.status?.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True');
  const counted = initialized
    ? statuses
    : [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const restarts = counted.reduce((n, c) => n + (c.restartCount ?? 0), 0);
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
