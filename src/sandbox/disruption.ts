import { isPodReady, type KubeObject } from '../lib/kube-object.ts';
import { matchesSelector } from '../lib/label-selector.ts';
import { type ClusterState, T } from './cluster-state.ts';

export interface BudgetStatus {
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
  expectedPods: number;
}

/** The pods a PodDisruptionBudget covers, live ones only. */
export function coveredPods(state: ClusterState, pdb: KubeObject): KubeObject[] {
  return state.store
    .list(T.pod, pdb.metadata.namespace)
    .filter((p) => !p.metadata.deletionTimestamp && matchesSelector(pdb.spec?.selector, p.metadata.labels));
}

/** What the disruption controller computes (pkg/controller/disruption), from minAvailable or maxUnavailable. */
export function budgetStatus(state: ClusterState, pdb: KubeObject): BudgetStatus {
  const pods = coveredPods(state, pdb);
  const expectedPods = pods.length;
  const currentHealthy = pods.filter(isPodReady).length;
  let desiredHealthy: number;
  if (pdb.spec?.maxUnavailable !== undefined)
    desiredHealthy = Math.max(0, expectedPods - scaled(pdb.spec.maxUnavailable, expectedPods));
  else desiredHealthy = scaled(pdb.spec?.minAvailable ?? 1, expectedPods);
  return {
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
    expectedPods,
  };
}

/** int-or-percent; minAvailable rounds up, maxUnavailable rounds up too (as intstr.GetScaledValueFromIntOrPercent(…, true)). */
function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) / 100) * total) : Number(v) || 0;
}

/** Writes each PDB's status so `kubectl get pdb` shows ALLOWED DISRUPTIONS. */
export function runDisruptionController(state: ClusterState): void {
  for (const pdb of state.store.list(T.pdb)) {
    const s = budgetStatus(state, pdb);
    const status = {
      ...s,
      observedGeneration: pdb.metadata.generation ?? 1,
      disruptedPods: pdb.status?.disruptedPods ?? {},
    };
    if (JSON.stringify(status) !== JSON.stringify(pdb.status))
      state.store.update(T.pdb, { ...pdb, status }, { statusOnly: true });
  }
}
