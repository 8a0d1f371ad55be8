import { isNodeReady, type KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { containerBehaviour } from '../images/container-behaviour.ts';
import { podRuns } from './container-runs.ts';
import type { ContainerTimeline } from './container-timeline.ts';
import { recordEvent } from './event-recorder.ts';
import { mountProblem } from './pod-config.ts';
import { podIp, podStatus } from './pod-status.ts';
import type { ProbeCheck } from './probes.ts';

/**
 * The simulated kubelet: for every pod bound to a node, recomputes status from the container
 * timelines and records the events a real kubelet would (Pulled, Created, Started, BackOff, Failed).
 * Status is written only when it changes, so resourceVersion moves only on real transitions.
 */
export function runKubelet(state: ClusterState): void {
  const now = state.now();
  const readyNodes = new Set(
    state.store
      .list(T.node)
      .filter(isNodeReady)
      .map((n) => n.metadata.name),
  );
  for (const pod of state.store.list(T.pod)) {
    if (!pod.spec?.nodeName || pod.status?.reason === 'Evicted') continue;
    // A NotReady node's kubelet reports nothing; the node lifecycle controller marks its pods not ready.
    if (!readyNodes.has(pod.spec.nodeName)) {
      markNotReady(state, pod);
      continue;
    }
    const start = new Date(pod.status?.startTime ?? pod.metadata.creationTimestamp ?? now);
    const mount = mountProblem(state, pod);
    const runs = podRuns(state, pod, start, now, mount);
    const timelines = [...runs.init, ...runs.main];
    const status = podStatus(pod, start, runs.main, runs.init, runs.initialized);
    if (JSON.stringify(status) !== JSON.stringify(pod.status)) {
      state.store.update(T.pod, { ...pod, status }, { statusOnly: true });
    }
    const base = { component: 'kubelet', host: pod.spec.nodeName as string };
    if (mount) recordEvent(state, pod, { ...base, reason: 'FailedMount', type: 'Warning', message: mount });
    for (const { c, b, t, config, liveness, readiness, init } of timelines) {
      if (mount || ('waiting' in t.state && t.state.waiting.reason === 'PodInitializing')) continue;
      const field = init ? 'initContainers' : 'containers';
      if (config) {
        recordEvent(state, pod, {
          ...base,
          fieldPath: `spec.${field}{${c.name}}`,
          reason: 'Failed',
          type: 'Warning',
          message: `Error: ${config}`,
        });
        continue;
      }
      recordContainerEvents(state, pod, c, b.pullError, t, b.startError, field);
      if ('running' in t.state || t.starts > 0) recordProbeEvents(state, pod, c, t, liveness, readiness, field);
    }
  }
}

function markNotReady(state: ClusterState, pod: KubeObject): void {
  const conditions = (pod.status?.conditions ?? []).map((c: any) =>
    (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True'
      ? { ...c, status: 'False', reason: 'NodeNotReady', lastTransitionTime: isoSeconds(state.now()) }
      : c,
  );
  const containerStatuses = (pod.status?.containerStatuses ?? []).map((s: any) => ({ ...s, ready: false }));
  const next = { ...pod.status, conditions, containerStatuses };
  if (JSON.stringify(next) !== JSON.stringify(pod.status))
    state.store.update(T.pod, { ...pod, status: next }, { statusOnly: true });
}

function recordProbeEvents(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  t: ContainerTimeline,
  liveness: ProbeCheck,
  readiness: ProbeCheck,
  field: string,
): void {
  const base = { component: 'kubelet', host: pod.spec.nodeName as string, fieldPath: `spec.${field}{${c.name}}` };
  const ip = podIp(pod);
  const failure = (kind: 'Liveness' | 'Readiness', p: ProbeCheck) => p.message(kind, ip);
  const sinceStart = 'running' in t.state ? (state.now().getTime() - t.state.running.startedAt.getTime()) / 1000 : 0;
  const killedByProbe = t.lastTermination?.exitCode === 137 && t.lastTermination.reason === 'Error';
  if (c.livenessProbe && (liveness.always || killedByProbe || ('running' in t.state && liveness.failsAt(sinceStart)))) {
    const threshold = c.livenessProbe.failureThreshold ?? 3;
    recordEvent(state, pod, {
      ...base,
      reason: 'Unhealthy',
      type: 'Warning',
      count: Math.max(1, t.starts * threshold),
      message: failure('Liveness', liveness),
    });
    if (t.restartCount > 0 || t.lastTermination)
      recordEvent(state, pod, {
        ...base,
        reason: 'Killing',
        type: 'Normal',
        count: Math.max(1, t.restartCount),
        message: `Container ${c.name} failed liveness probe, will be restarted`,
      });
  }
  if ('running' in t.state && readiness.failsAt(sinceStart)) {
    const elapsed = (state.now().getTime() - t.state.running.startedAt.getTime()) / 1000;
    const count = Math.max(
      1,
      Math.floor((elapsed - (c.readinessProbe.initialDelaySeconds ?? 0)) / (c.readinessProbe.periodSeconds ?? 10)) + 1,
    );
    recordEvent(state, pod, {
      ...base,
      reason: 'Unhealthy',
      type: 'Warning',
      count,
      message: failure('Readiness', readiness),
    });
  }
}

function recordContainerEvents(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  pullError: string | undefined,
  t: ContainerTimeline,
  startError: string | undefined,
  field: string,
): void {
  const host = pod.spec.nodeName as string;
  const fieldPath = `spec.${field}{${c.name}}`;
  const base = { component: 'kubelet', host, fieldPath };
  if (pullError) {
    recordEvent(state, pod, {
      ...base,
      reason: 'Failed',
      type: 'Warning',
      count: t.pullFailures,
      message: `Failed to pull image "${c.image}": ${pullError}`,
    });
    if (t.backOffs > 0)
      recordEvent(state, pod, {
        ...base,
        reason: 'BackOff',
        type: 'Normal',
        count: t.backOffs,
        message: `Back-off pulling image "${c.image}"`,
      });
    return;
  }
  const ooms = t.restartCount + ('terminated' in t.state || 'waiting' in t.state ? 1 : 0);
  const node = state.store.get(T.node, undefined, host);
  if (
    node &&
    (t.lastTermination?.reason === 'OOMKilled' ||
      ('terminated' in t.state && t.state.terminated.reason === 'OOMKilled'))
  ) {
    // What the node's kernel monitor reports when a container's memory cgroup hits its limit.
    recordEvent(state, node, {
      component: 'kernel-monitor',
      host,
      reason: 'OOMKilling',
      type: 'Warning',
      count: ooms,
      fieldPath: `${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`,
      message: `Memory cgroup out of memory: Killed process (${c.name}) in pod ${pod.metadata.namespace}/${pod.metadata.name}; limit ${c.resources?.limits?.memory}`,
    });
  }
  recordEvent(state, pod, {
    ...base,
    reason: 'Pulled',
    type: 'Normal',
    count: t.starts,
    message: `Container image "${c.image}" already present on machine`,
  });
  recordEvent(state, pod, {
    ...base,
    reason: 'Created',
    type: 'Normal',
    count: t.starts,
    message: `Created container: ${c.name}`,
  });
  if (startError)
    recordEvent(state, pod, {
      ...base,
      reason: 'Failed',
      type: 'Warning',
      count: t.starts,
      message: `Error: ${startError}`,
    });
  else
    recordEvent(state, pod, {
      ...base,
      reason: 'Started',
      type: 'Normal',
      count: t.starts,
      message: `Started container ${c.name}`,
    });
  if (t.backOffs > 0) {
    recordEvent(state, pod, {
      ...base,
      reason: 'BackOff',
      type: 'Warning',
      count: t.backOffs,
      message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
    });
  }
}

/** Logs of a container instance: what its image prints. `previous` reads the last terminated instance. */
export function containerLogs(
  state: ClusterState,
  pod: KubeObject,
  container: string,
  previous: boolean,
): { ok: true; text: string; startedAt?: Date } | { ok: false; message: string } {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (x: any) => x.name === container,
  );
  const s = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
    (x: any) => x.name === container,
  );
  if (!c) return { ok: false, message: `container ${container} is not valid for pod ${pod.metadata.name}` };
  const b = containerBehaviour(state, pod, c);
  // What the instance printed until `end` (its termination, or now while it runs).
  const logsUntil = (from?: string, end?: string) => {
    if (!b.logLines) return b.logs ?? '';
    const limit = ((end ? new Date(end) : state.now()).getTime() - (from ? new Date(from).getTime() : 0)) / 1000;
    return b.logLines
      .filter((l) => l.at <= limit)
      .map((l) => l.text)
      .join('');
  };
  const started = (iso?: string) => (iso ? new Date(iso) : undefined);
  if (previous) {
    const last = s?.lastState?.terminated ?? s?.state?.terminated;
    if (!last)
      return {
        ok: false,
        message: `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`,
      };
    return { ok: true, text: logsUntil(last.startedAt, last.finishedAt), startedAt: started(last.startedAt) };
  }
  if (!s || s.state?.waiting?.reason === 'ContainerCreating' || (s.state?.waiting && !s.lastState?.terminated)) {
    const why = s?.state?.waiting?.reason ?? 'ContainerCreating';
    return { ok: false, message: `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${why}` };
  }
  const from = s.state?.running?.startedAt ?? s.state?.terminated?.startedAt ?? s.lastState?.terminated?.startedAt;
  return { ok: true, text: logsUntil(from, s.state?.terminated?.finishedAt), startedAt: started(from) };
}
