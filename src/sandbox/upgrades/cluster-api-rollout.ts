import type { KubeObject } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';
import type { ResourceType } from '../resources.ts';

/** Simulated seconds to replace one machine. */
const STEP_MS = 1_000;
const CONTROL_PLANES: [string, string][] = [
  ['controlplane.cluster.x-k8s.io/v1beta1', 'KubeadmControlPlane'],
  ['controlplane.cluster.x-k8s.io/v1beta2', 'AWSManagedControlPlane'],
  ['controlplane.cluster.x-k8s.io/v1beta2', 'ROSAControlPlane'],
  ['infrastructure.cluster.x-k8s.io/v1beta1', 'AzureManagedControlPlane'],
  ['infrastructure.cluster.x-k8s.io/v1beta1', 'GCPManagedControlPlane'],
];
interface Rollout {
  /** What the controller last finished rolling out. */
  version?: string;
  replicas: number;
  /** Machines on the wanted spec while rolling. */
  updated: number;
  at: number;
}
const rollouts = new WeakMap<ClusterState, Map<string, Rollout>>();

/**
 * Cluster API's controllers over the sandbox, as far as upgrades see them: a change to a
 * MachineDeployment's or MachinePool's template version or replicas rolls its machines one at a
 * time (phase ScalingUp, updatedReplicas climbing, then Running); a KubeadmControlPlane rolls its
 * members and reports the new `status.version` when all run it; a managed control plane (EKS, ROSA,
 * AKS, GKE) takes its new version after a step; a ClusterClass cluster's `topology.version` goes to
 * its control plane first, then to its pools. Objects first seen are taken as settled.
 */
export function runClusterApiRollout(state: ClusterState): void {
  const md = state.types.findByKind('cluster.x-k8s.io/v1beta1', 'MachineDeployment');
  if (!md) return;
  const known = rollouts.get(state) ?? new Map<string, Rollout>();
  rollouts.set(state, known);
  const now = state.now().getTime();
  const pools = [md, state.types.findByKind('cluster.x-k8s.io/v1beta1', 'MachinePool')].filter((t): t is ResourceType =>
    Boolean(t),
  );
  const planes = CONTROL_PLANES.map(([v, k]) => state.types.findByKind(v, k)).filter((t): t is ResourceType =>
    Boolean(t),
  );
  for (const t of [...pools, ...planes])
    for (const o of state.store.list(t)) {
      const machines = t.kind === 'KubeadmControlPlane' || pools.includes(t);
      const version = (
        t.kind === 'KubeadmControlPlane' || !machines ? o.spec?.version : o.spec?.template?.spec?.version
      ) as string | undefined;
      const replicas = Number(o.spec?.replicas ?? o.status?.replicas ?? 1);
      const r = known.get(o.metadata.uid!);
      if (!r) {
        known.set(o.metadata.uid!, { version, replicas, updated: replicas, at: now });
        if (o.status?.observedGeneration === undefined)
          state.store.update(
            t,
            { ...o, status: { ...o.status, observedGeneration: o.metadata.generation ?? 1 } },
            { statusOnly: true },
          );
        continue;
      }
      if (r.version === version && r.replicas === replicas) continue;
      if (now - r.at < STEP_MS) continue;
      const status = machines ? stepMachines(o, r, version, replicas) : { ...o.status, version, ready: true };
      if (!machines) Object.assign(r, { version, replicas });
      r.at = now;
      state.store.update(
        t,
        { ...o, status: { ...status, observedGeneration: o.metadata.generation ?? 1 } },
        { statusOnly: true },
      );
    }
  propagateTopology(state, planes, pools);
}

/** One machine replaced (or added, or removed) per step; the new version reported once all run it. */
function stepMachines(o: KubeObject, r: Rollout, version: string | undefined, want: number): Record<string, any> {
  // A new version replaces every machine; a scale keeps the ones that run the current spec.
  if (r.version !== version && r.updated >= r.replicas) r.updated = 0;
  r.updated = Math.min(r.updated + 1, want);
  const done = r.updated >= want;
  if (done) Object.assign(r, { version, replicas: want, updated: want });
  const out: Record<string, any> = {
    ...o.status,
    replicas: want,
    updatedReplicas: r.updated,
    readyReplicas: want,
    availableReplicas: want,
    unavailableReplicas: 0,
  };
  if (o.kind !== 'KubeadmControlPlane') return { ...out, phase: done ? 'Running' : 'ScalingUp' };
  return {
    ...out,
    ...(done ? { version } : {}),
    ready: true,
    conditions: [
      done
        ? { type: 'Ready', status: 'True' }
        : {
            type: 'Ready',
            status: 'False',
            severity: 'Warning',
            reason: 'RollingUpdateInProgress',
            message: `Rolling ${want} replicas with outdated spec (${r.updated} replicas up to date)`,
          },
    ],
  };
}

/** A Cluster's topology.version: to the control plane, and to each pool once the control plane runs it. */
function propagateTopology(state: ClusterState, planes: ResourceType[], pools: ResourceType[]): void {
  const clusters = state.types.findByKind('cluster.x-k8s.io/v1beta1', 'Cluster');
  if (!clusters) return;
  for (const c of state.store.list(clusters)) {
    const version = c.spec?.topology?.version;
    const ref = c.spec?.controlPlaneRef;
    if (!version || !ref) continue;
    const t = planes.find((p) => p.kind === ref.kind);
    const cp = t && state.store.get(t, c.metadata.namespace, ref.name);
    if (!t || !cp) continue;
    if (cp.spec?.version !== version) {
      state.store.update(t, { ...cp, spec: { ...cp.spec, version } }, { preserveStatus: true });
      continue;
    }
    if (cp.status?.version !== version) continue;
    for (const pt of pools)
      for (const p of state.store.list(pt, c.metadata.namespace, (x) => x.spec?.clusterName === c.metadata.name))
        if (p.spec?.template?.spec?.version !== version)
          state.store.update(
            pt,
            { ...p, spec: { ...p.spec, template: { ...p.spec.template, spec: { ...p.spec.template.spec, version } } } },
            { preserveStatus: true },
          );
  }
}
