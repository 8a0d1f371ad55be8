import type { KubeObject } from '../../lib/kube-object.ts';
import { isPodReady } from '../../lib/kube-object.ts';
import { matchesSelector } from '../../lib/label-selector.ts';
import { cpuMillis, parseQuantity, quantityToMi } from '../../lib/quantity.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { containerUsage } from '../metrics.ts';
import { recordEvent } from './event-recorder.ts';

const SYNC_SECONDS = 15;
const TOLERANCE = 0.1;
const DOWNSCALE_STABILIZATION_S = 300;

// Per HPA: when it last synced, and the desired sizes it recommended (for scale-down stabilization).
const memory = new WeakMap<
  ClusterState,
  Map<string, { synced: number; recommendations: { at: number; replicas: number }[] }>
>();

/**
 * The HorizontalPodAutoscaler controller over the simulated metrics, every 15 s: per metric the
 * ratio of current to target utilization (or average value) over ready pods, a 10% tolerance,
 * scale-up at once and scale-down only to the highest recommendation of the last five minutes,
 * clamped to min/max. It writes the target's replicas, the HPA's status and conditions, and the
 * events `kubectl describe hpa` shows.
 */
export function runHpaController(state: ClusterState): void {
  const now = state.now().getTime();
  const byHpa = memory.get(state) ?? new Map();
  memory.set(state, byHpa);
  for (const hpa of state.store.list(T.hpa)) {
    const key = hpa.metadata.uid!;
    const m = byHpa.get(key) ?? { synced: 0, recommendations: [] };
    byHpa.set(key, m);
    if (now - m.synced < SYNC_SECONDS * 1000) continue;
    m.synced = now;
    sync(state, hpa, m.recommendations, now);
  }
}

function targetOf(state: ClusterState, hpa: KubeObject): { type: typeof T.deployment; obj: KubeObject } | undefined {
  const ref = hpa.spec?.scaleTargetRef ?? {};
  const type =
    ref.kind === 'StatefulSet'
      ? T.statefulSet
      : ref.kind === 'ReplicaSet'
        ? T.replicaSet
        : ref.kind === 'Deployment'
          ? T.deployment
          : undefined;
  const obj = type && state.store.get(type, hpa.metadata.namespace, ref.name);
  return type && obj ? { type, obj } : undefined;
}

function sync(
  state: ClusterState,
  hpa: KubeObject,
  recommendations: { at: number; replicas: number }[],
  now: number,
): void {
  const ts = isoSeconds(new Date(now));
  const target = targetOf(state, hpa);
  const min: number = hpa.spec?.minReplicas ?? 1;
  const max: number = hpa.spec?.maxReplicas ?? 1;
  const conditions: any[] = [];
  const cond = (type: string, ok: boolean, reason: string, message: string) =>
    conditions.push({ type, status: ok ? 'True' : 'False', lastTransitionTime: ts, reason, message });
  if (!target) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const message = `the HPA controller was unable to get the target's current scale: ${String(ref.kind).toLowerCase()}s.apps "${ref.name}" not found`;
    cond('AbleToScale', false, 'FailedGetScale', message);
    recordEvent(state, hpa, {
      reason: 'FailedGetScale',
      type: 'Warning',
      component: 'horizontal-pod-autoscaler',
      message,
    });
    writeStatus(state, hpa, { currentReplicas: 0, desiredReplicas: 0, conditions });
    return;
  }
  const current: number = target.obj.spec?.replicas ?? 1;
  const pods = state.store
    .list(T.pod, hpa.metadata.namespace)
    .filter((p) => matchesSelector(target.obj.spec?.selector, p.metadata.labels) && !p.metadata.deletionTimestamp);
  const ready = pods.filter((p) => isPodReady(p));
  const currentMetrics: any[] = [];
  let proposal = current;
  let failure: string | undefined;
  for (const metric of hpa.spec?.metrics ?? []) {
    if (metric.type !== 'Resource') continue;
    const name: 'cpu' | 'memory' = metric.resource?.name;
    const t = metric.resource?.target ?? {};
    const usage = (p: KubeObject) =>
      (p.spec?.containers ?? []).reduce((n: number, c: any) => {
        const u = containerUsage(state, p, c);
        return n + (name === 'cpu' ? u.cpu : u.memoryMi);
      }, 0);
    const request = (p: KubeObject) =>
      (p.spec?.containers ?? []).reduce((n: number, c: any) => {
        const r = c.resources?.requests?.[name];
        return n + (name === 'cpu' ? (cpuMillis(r) ?? Number.NaN) : (quantityToMi(r) ?? Number.NaN));
      }, 0);
    if (ready.length === 0) {
      failure = `failed to get ${name} utilization: did not receive metrics for targeted pods (pods might be unready)`;
      continue;
    }
    const used = ready.reduce((n, p) => n + usage(p), 0);
    if (t.type === 'Utilization') {
      const missing = ready.find((p) => Number.isNaN(request(p)));
      if (missing) {
        const c = (missing.spec?.containers ?? []).find((x: any) => x.resources?.requests?.[name] === undefined);
        failure = `failed to get ${name} utilization: missing request for ${name} in container ${c?.name} of Pod ${missing.metadata.name}`;
        continue;
      }
      const utilization = Math.round((used / ready.reduce((n, p) => n + request(p), 0)) * 100);
      const ratio = utilization / (t.averageUtilization ?? 80);
      if (Math.abs(ratio - 1) > TOLERANCE)
        proposal = Math.max(proposal === current ? 0 : proposal, Math.ceil(ready.length * ratio));
      currentMetrics.push({
        type: 'Resource',
        resource: {
          name,
          current: {
            averageUtilization: utilization,
            averageValue:
              name === 'cpu' ? `${Math.round(used / ready.length)}m` : `${Math.round(used / ready.length)}Mi`,
          },
        },
      });
    } else {
      const per = used / ready.length;
      const want =
        name === 'cpu'
          ? (cpuMillis(t.averageValue) ?? 1)
          : (quantityToMi(t.averageValue) ?? parseQuantity(t.averageValue) ?? 1);
      const ratio = per / want;
      if (Math.abs(ratio - 1) > TOLERANCE)
        proposal = Math.max(proposal === current ? 0 : proposal, Math.ceil(ready.length * ratio));
      currentMetrics.push({
        type: 'Resource',
        resource: { name, current: { averageValue: name === 'cpu' ? `${Math.round(per)}m` : `${Math.round(per)}Mi` } },
      });
    }
  }
  cond('AbleToScale', true, 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  if (failure && currentMetrics.length === 0) {
    cond(
      'ScalingActive',
      false,
      'FailedGetResourceMetric',
      `the HPA was unable to compute the replica count: ${failure}`,
    );
    recordEvent(state, hpa, {
      reason: 'FailedGetResourceMetric',
      type: 'Warning',
      component: 'horizontal-pod-autoscaler',
      message: failure,
    });
    writeStatus(state, hpa, { currentReplicas: current, desiredReplicas: current, conditions, currentMetrics });
    return;
  }
  cond(
    'ScalingActive',
    true,
    'ValidMetricFound',
    'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
  );
  recommendations.push({ at: now, replicas: proposal });
  while (recommendations.length && recommendations[0]!.at < now - DOWNSCALE_STABILIZATION_S * 1000)
    recommendations.shift();
  // Scale down only as far as the highest recommendation of the stabilization window allows.
  let desired = proposal < current ? Math.max(...recommendations.map((r) => r.replicas)) : proposal;
  desired = Math.min(desired, current);
  if (proposal > current) desired = Math.min(proposal, Math.max(current * 2, current + 4));
  const clamped = Math.min(max, Math.max(min, desired));
  cond(
    'ScalingLimited',
    clamped !== desired,
    clamped > desired ? 'TooFewReplicas' : clamped < desired ? 'TooManyReplicas' : 'DesiredWithinRange',
    clamped > desired
      ? 'the desired replica count is less than the minimum replica count'
      : clamped < desired
        ? 'the desired replica count is more than the maximum replica count'
        : 'the desired count is within the acceptable range',
  );
  let lastScaleTime = hpa.status?.lastScaleTime;
  if (clamped !== current) {
    state.store.update(target.type, { ...target.obj, spec: { ...target.obj.spec, replicas: clamped } });
    lastScaleTime = ts;
    const why = clamped > current ? 'above target' : 'All metrics below target';
    recordEvent(state, hpa, {
      reason: 'SuccessfulRescale',
      type: 'Normal',
      component: 'horizontal-pod-autoscaler',
      message: `New size: ${clamped}; reason: ${clamped > current ? `cpu resource utilization (percentage of request) ${why}` : why}`,
    });
  }
  writeStatus(state, hpa, {
    currentReplicas: current,
    desiredReplicas: clamped,
    conditions,
    currentMetrics,
    lastScaleTime,
  });
}

function writeStatus(state: ClusterState, hpa: KubeObject, status: Record<string, unknown>): void {
  const next = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined));
  const strip = (s: any) =>
    JSON.stringify({
      ...s,
      conditions: (s?.conditions ?? []).map((c: any) => ({ ...c, lastTransitionTime: undefined })),
    });
  if (strip(next) === strip(hpa.status)) return;
  // A condition keeps its transition time while its status holds.
  for (const c of (next.conditions as any[]) ?? []) {
    const before = (hpa.status?.conditions ?? []).find((x: any) => x.type === c.type);
    if (before?.status === c.status) c.lastTransitionTime = before.lastTransitionTime;
  }
  state.store.update(T.hpa, { ...hpa, status: next }, { statusOnly: true });
}
