import type { KubeObject } from '../../lib/kube-object.ts';
import { deepEqual } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { recordEvent } from './event-recorder.ts';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

/**
 * The Deployment controller: one ReplicaSet per pod template (revisions in annotations), a rolling
 * update bounded by maxSurge/maxUnavailable, and the status `kubectl rollout status` reads.
 */
export function runDeploymentController(state: ClusterState): void {
  for (const d of state.store.list(T.deployment)) reconcile(state, d);
}

function reconcile(state: ClusterState, d: KubeObject): void {
  const owned = state.store.list(T.replicaSet, d.metadata.namespace, (rs) =>
    Boolean(rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid)),
  );
  const maxRevision = Math.max(0, ...owned.map(revisionOf));
  let newRs = owned.find((rs) => templatesEqual(rs.spec?.template, d.spec.template));
  if (!newRs) {
    newRs = createReplicaSet(state, d, maxRevision + 1);
    owned.push(newRs);
  } else if (revisionOf(newRs) < maxRevision) {
    // Rolling back to an older template makes that ReplicaSet the newest revision again.
    newRs = state.store.update(T.replicaSet, {
      ...newRs,
      metadata: {
        ...newRs.metadata,
        annotations: { ...newRs.metadata.annotations, [REVISION]: String(maxRevision + 1) },
      },
    });
    owned.splice(
      owned.findIndex((rs) => rs.metadata.uid === newRs!.metadata.uid),
      1,
      newRs,
    );
  }
  const old = owned.filter((rs) => rs.metadata.uid !== newRs!.metadata.uid);
  const replicas: number = d.spec.replicas ?? 1;
  const paused = Boolean(d.spec.paused);
  if (!paused) {
    if (d.spec.strategy?.type === 'Recreate') recreate(state, d, newRs, old, replicas);
    else rollingUpdate(state, d, newRs, old, replicas);
  }
  const revision = String(
    revisionOf(state.store.get(T.replicaSet, d.metadata.namespace, newRs.metadata.name) ?? newRs),
  );
  if (d.metadata.annotations?.[REVISION] !== revision) {
    d = state.store.update(T.deployment, {
      ...d,
      metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION]: revision } },
    });
  }
  writeStatus(state, d, newRs.metadata.name, replicas);
}

function rollingUpdate(
  state: ClusterState,
  d: KubeObject,
  newRs: KubeObject,
  old: KubeObject[],
  replicas: number,
): void {
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const maxSurge = resolve(ru.maxSurge ?? '25%', replicas, true);
  let maxUnavailable = resolve(ru.maxUnavailable ?? '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const total = () => [newRs, ...old].reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
  const newReplicas: number = newRs.spec.replicas ?? 0;
  if (newReplicas < replicas) {
    const room = Math.max(0, replicas + maxSurge - total());
    if (room > 0) newRs = scale(state, d, newRs, Math.min(replicas, newReplicas + room));
  } else if (newReplicas > replicas) newRs = scale(state, d, newRs, replicas);

  const minAvailable = replicas - maxUnavailable;
  const newUnavailable = (newRs.spec.replicas ?? 0) - (newRs.status?.availableReplicas ?? 0);
  let budget = total() - minAvailable - newUnavailable;
  // First clean up old replicas that are not available anyway, then scale down healthy ones.
  for (const rs of old) {
    if (budget <= 0) break;
    const unhealthy = (rs.spec.replicas ?? 0) - (rs.status?.availableReplicas ?? 0);
    const n = Math.min(unhealthy, budget);
    if (n > 0) {
      Object.assign(rs, scale(state, d, rs, rs.spec.replicas - n));
      budget -= n;
    }
  }
  const available = [newRs, ...old].reduce(
    (n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec.replicas ?? 0),
    0,
  );
  let scaleDown = available - minAvailable;
  for (const rs of old.sort((a, b) => revisionOf(a) - revisionOf(b))) {
    if (scaleDown <= 0) break;
    const n = Math.min(rs.spec.replicas ?? 0, scaleDown);
    if (n > 0) {
      scale(state, d, rs, rs.spec.replicas - n);
      scaleDown -= n;
    }
  }
}

function recreate(state: ClusterState, d: KubeObject, newRs: KubeObject, old: KubeObject[], replicas: number): void {
  const oldPods = old.reduce((n, rs) => n + state.podsOwnedBy(rs).length, 0);
  for (const rs of old) if ((rs.spec.replicas ?? 0) > 0) scale(state, d, rs, 0);
  if (oldPods === 0 && (newRs.spec.replicas ?? 0) !== replicas) scale(state, d, newRs, replicas);
}

function scale(state: ClusterState, d: KubeObject, rs: KubeObject, to: number): KubeObject {
  const from = rs.spec.replicas ?? 0;
  if (from === to) return rs;
  const next = state.store.update(T.replicaSet, { ...rs, spec: { ...rs.spec, replicas: to } });
  recordEvent(state, d, {
    reason: 'ScalingReplicaSet',
    type: 'Normal',
    component: 'deployment-controller',
    message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
  });
  return next;
}

function createReplicaSet(state: ClusterState, d: KubeObject, revision: number): KubeObject {
  const hash = podTemplateHash(d.spec.template);
  const template = structuredClone(d.spec.template);
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash },
  };
  const selector = structuredClone(d.spec.selector ?? { matchLabels: {} });
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
  return state.store.create(T.replicaSet, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      annotations: {
        [REVISION]: String(revision),
        'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas ?? 1),
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: d.metadata.name,
          uid: d.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { replicas: 0, selector, template },
  });
}

function writeStatus(state: ClusterState, d: KubeObject, newRsName: string, replicas: number): void {
  const all = state.store.list(T.replicaSet, d.metadata.namespace, (rs) =>
    Boolean(rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid)),
  );
  const sum = (f: (rs: KubeObject) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const newRs = all.find((rs) => rs.metadata.name === newRsName);
  const updated = newRs?.status?.replicas ?? 0;
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const total = sum((rs) => rs.status?.replicas ?? 0);
  const complete =
    updated === replicas &&
    total === replicas &&
    available === replicas &&
    (newRs?.status?.availableReplicas ?? 0) === replicas;
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const minAvailable = replicas - resolve(ru.maxUnavailable ?? '25%', replicas, false);
  const now = isoSeconds(state.now());
  const prev: any[] = d.status?.conditions ?? [];
  const prevProgressing = prev.find((c) => c.type === 'Progressing');
  const progressKey = `${updated}/${available}/${newRsName}`;
  const madeProgress = state.rolloutProgress.get(d.metadata.uid!) !== progressKey;
  state.rolloutProgress.set(d.metadata.uid!, progressKey);
  const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
  const lastUpdate = madeProgress || !prevProgressing ? now : prevProgressing.lastUpdateTime;
  const stalled = !complete && state.now().getTime() - Date.parse(lastUpdate) > deadline;
  const progressing = complete
    ? {
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${newRsName}" has successfully progressed.`,
      }
    : stalled
      ? {
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${newRsName}" has timed out progressing.`,
        }
      : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRsName}" is progressing.` };
  const availableCond =
    available >= minAvailable
      ? { status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : {
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        };
  const condition = (type: string, c: { status: string; reason: string; message: string }, lastUpdateTime: string) => {
    const before = prev.find((p) => p.type === type);
    const transitioned = !before || before.status !== c.status;
    return { type, ...c, lastUpdateTime, lastTransitionTime: transitioned ? now : before.lastTransitionTime };
  };
  const status = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: total,
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    // As calculateStatus does: the ReplicaSets' desired total minus available (surge pods count), never negative.
    ...(sum((rs) => rs.spec?.replicas ?? 0) - available > 0
      ? { unavailableReplicas: sum((rs) => rs.spec?.replicas ?? 0) - available }
      : {}),
    conditions: [
      condition(
        'Available',
        availableCond,
        prev.find((p) => p.type === 'Available')?.status === availableCond.status
          ? prev.find((p) => p.type === 'Available').lastUpdateTime
          : now,
      ),
      condition('Progressing', progressing, lastUpdate),
    ],
  };
  if (JSON.stringify(status) !== JSON.stringify(d.status))
    state.store.update(T.deployment, { ...d, status }, { statusOnly: true });
}

function resolve(v: number | string, replicas: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * replicas) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

/** Template equality ignoring the pod-template-hash label, as the real controller compares. */
export function templatesEqual(rsTemplate: any, deployTemplate: any): boolean {
  const strip = (t: any) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) delete c.metadata.labels[HASH_LABEL];
    return c;
  };
  return deepEqual(strip(rsTemplate), strip(deployTemplate));
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** FNV-1a of the template, encoded with the alphabet the real controller uses. */
export function podTemplateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(template)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let s = '';
  for (const digit of String(h)) s += SAFE[Number(digit) + (s.length % 2) * 10]!;
  return s.slice(0, 10);
}
