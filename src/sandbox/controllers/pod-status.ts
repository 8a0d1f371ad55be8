import type { KubeObject } from '../../lib/kube-object.ts';
import { isoSeconds } from '../cluster-state.ts';
import type { ContainerTimeline } from './container-timeline.ts';

// The status the kubelet reports for a pod: phase, conditions, container states, QoS class, IP.

export function podStatus(
  pod: KubeObject,
  start: Date,
  cs: { c: any; t: ContainerTimeline }[],
  init: { c: any; t: ContainerTimeline }[] = [],
  initialized = true,
): any {
  const qosClass = qos(cs.map(({ c }) => c));
  const statusOf = ({ c, t }: { c: any; t: ContainerTimeline }) => {
    const s: any = {
      name: c.name,
      image: c.image,
      imageID: '',
      ready: false,
      started: false,
      restartCount: t.restartCount,
      state: {},
    };
    if ('running' in t.state) {
      s.state = { running: { startedAt: isoSeconds(t.state.running.startedAt) } };
      s.ready = t.state.ready;
      s.started = true;
      s.containerID = `containerd://${pod.metadata.uid?.replace(/-/g, '')}${t.restartCount}`;
      s.imageID = `${c.image}@sha256:sandbox`;
    } else if ('waiting' in t.state) s.state = { waiting: t.state.waiting };
    else s.state = { terminated: termination(t.state.terminated) };
    s.lastState = t.lastTermination ? { terminated: termination(t.lastTermination) } : {};
    return s;
  };
  const containerStatuses = cs.map(statusOf);
  // A regular init container that finished its work counts as ready.
  const initContainerStatuses = init.map((r) => {
    const s = statusOf(r);
    if (s.state.terminated?.exitCode === 0) s.ready = true;
    return s;
  });
  const sidecars = initContainerStatuses.filter((_, i) => init[i]!.c.restartPolicy === 'Always');
  const ready = initialized && [...containerStatuses, ...sidecars].every((s) => s.ready);
  const allExited = containerStatuses.every((s) => s.state.terminated);
  // An init container that failed for good (restartPolicy Never) fails the pod; until all are done it is Pending.
  const initFailed = init.some(({ t }) => 'terminated' in t.state && t.state.terminated.exitCode !== 0);
  const phase = !initialized
    ? initFailed && pod.spec?.restartPolicy === 'Never'
      ? 'Failed'
      : 'Pending'
    : allExited
      ? containerStatuses.every((s) => s.state.terminated.exitCode === 0)
        ? 'Succeeded'
        : 'Failed'
      : containerStatuses.some((s) => s.state.running || s.lastState.terminated)
        ? 'Running'
        : 'Pending';
  const t0 = isoSeconds(start);
  const cond = (type: string, ok: boolean, reason?: string) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: t0,
    ...(ok || !reason ? {} : { reason }),
  });
  return {
    phase,
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', initialized, 'ContainersNotInitialized'),
      cond('Ready', ready, 'ContainersNotReady'),
      cond('ContainersReady', ready, 'ContainersNotReady'),
      cond('PodScheduled', true),
    ],
    hostIP: '10.0.0.10',
    podIP: podIp(pod),
    podIPs: [{ ip: podIp(pod) }],
    startTime: t0,
    ...(init.length ? { initContainerStatuses } : {}),
    containerStatuses,
    qosClass,
  };
}

export function qos(containers: any[]): string {
  const r = containers.map((c) => ({ req: c.resources?.requests ?? {}, lim: c.resources?.limits ?? {} }));
  if (r.every(({ req, lim }) => !Object.keys(req).length && !Object.keys(lim).length)) return 'BestEffort';
  const guaranteed = r.every(
    ({ req, lim }) =>
      lim.cpu && lim.memory && (req.cpu ?? lim.cpu) === lim.cpu && (req.memory ?? lim.memory) === lim.memory,
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function termination(t: {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: Date;
  finishedAt: Date;
}) {
  return {
    exitCode: t.exitCode,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    startedAt: isoSeconds(t.startedAt),
    finishedAt: isoSeconds(t.finishedAt),
  };
}

export function podIp(pod: KubeObject): string {
  let h = 0;
  for (const ch of pod.metadata.uid ?? pod.metadata.name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.244.${(h >> 8) & 0xff}.${h & 0xfe || 2}`;
}
