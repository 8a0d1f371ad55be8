import type { KubeObject } from '../../lib/kube-object.ts';
import { quantityToMi } from '../../lib/quantity.ts';
import type { ClusterState } from '../cluster-state.ts';
import { containerBehaviour, type DerivedBehaviour } from '../images/container-behaviour.ts';
import { type ContainerTimeline, containerTimeline } from './container-timeline.ts';
import { containerConfigProblem } from './pod-config.ts';
import { livenessKillAfter, type ProbeCheck, probeCheck } from './probes.ts';

/** One container of a pod as the kubelet runs it: its behaviour, where it stands, its probes. */
export interface ContainerRun {
  c: any;
  b: DerivedBehaviour;
  t: ContainerTimeline;
  config?: string;
  liveness: ProbeCheck;
  readiness: ProbeCheck;
  init: boolean;
}

const waiting = (reason: string, message = ''): ContainerTimeline => ({
  state: { waiting: { reason, message } },
  restartCount: 0,
  starts: 0,
  backOffs: 0,
  pullFailures: 0,
});

function run(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  from: Date,
  now: Date,
  restartPolicy: string,
  mount: string | undefined,
  init: boolean,
): ContainerRun {
  const config = mount ? 'ContainerCreating' : containerConfigProblem(state, pod, c);
  const b: DerivedBehaviour = config ? {} : containerBehaviour(state, pod, c);
  const liveness = probeCheck(c.livenessProbe, c, b);
  const readiness = probeCheck(c.readinessProbe, c, b);
  const probes = {
    livenessKillAfter: livenessKillAfter(c.livenessProbe, liveness),
    readinessFailsAt: (s: number) => readiness.failsAt(s),
  };
  const t = config
    ? mount
      ? waiting('ContainerCreating')
      : waiting('CreateContainerConfigError', config)
    : containerTimeline(b, quantityToMi(c.resources?.limits?.memory), from, now, restartPolicy, probes);
  return { c, b, t, config, liveness, readiness, init };
}

/**
 * The kubelet's order: init containers one at a time, each to a successful exit before the next
 * (a failing one restarts with back-off unless the pod never restarts); sidecars (init containers
 * with `restartPolicy: Always`) start in order and keep running; app containers only once every
 * init container is done. Until then they wait in PodInitializing.
 */
export function podRuns(
  state: ClusterState,
  pod: KubeObject,
  start: Date,
  now: Date,
  mount: string | undefined,
): { init: ContainerRun[]; main: ContainerRun[]; initialized: boolean } {
  const podPolicy: string = pod.spec?.restartPolicy ?? 'Always';
  const init: ContainerRun[] = [];
  let cursor = start;
  let initialized = true;
  for (const c of pod.spec?.initContainers ?? []) {
    if (!initialized) {
      init.push({
        c,
        b: {},
        t: waiting('PodInitializing'),
        liveness: probeCheck(undefined, c, {}),
        readiness: probeCheck(undefined, c, {}),
        init: true,
      });
      continue;
    }
    const sidecar = c.restartPolicy === 'Always';
    const r = run(
      state,
      pod,
      c,
      cursor,
      now,
      sidecar ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure',
      mount,
      true,
    );
    init.push(r);
    if (sidecar) {
      if ('running' in r.t.state) cursor = r.t.state.running.startedAt;
      else initialized = false;
      continue;
    }
    if ('terminated' in r.t.state && r.t.state.terminated.exitCode === 0) cursor = r.t.state.terminated.finishedAt;
    else initialized = false;
  }
  const main = (pod.spec?.containers ?? []).map((c: any) =>
    initialized
      ? run(state, pod, c, cursor, now, podPolicy, mount, false)
      : {
          c,
          b: {},
          t: waiting('PodInitializing'),
          liveness: probeCheck(undefined, c, {}),
          readiness: probeCheck(undefined, c, {}),
          init: false,
        },
  );
  return { init, main, initialized };
}
