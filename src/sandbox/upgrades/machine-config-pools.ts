import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector } from '../../lib/label-selector.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';
import { budgetStatus } from '../disruption.ts';
import type { ResourceType } from '../resources.ts';

/** Simulated time a node's drain may stay blocked before the pool reports it (the MCO waits an hour). */
const DRAIN_FAIL_MS = 5_000;
const blockedSince = new WeakMap<ClusterState, Map<string, number>>();

/** The machine-config operator starts a pool on the release's rendered configuration. */
export function startPoolUpdate(
  state: ClusterState,
  t: ResourceType,
  p: KubeObject,
  target: string,
  now: string,
): void {
  const o = structuredClone(p);
  o.status = {
    ...o.status,
    updatedMachineCount: 0,
    configuration: { name: `rendered-${o.metadata.name}-${target.replace(/\./g, '')}` },
  };
  setPoolUpdating(o, true, `All nodes are updating to MachineConfig ${o.status.configuration.name}`, now);
  state.store.update(t, o, { statusOnly: true });
}

/**
 * One more machine of the pool updated — unless the pool has real nodes (its nodeSelector matches
 * Node objects) and the next one cannot be drained: a pod on it whose PodDisruptionBudget allows
 * no disruption. Then, after a while, the pool reports the node degraded ("failed to drain node")
 * and the machine-config operator goes Degraded (RequiredPoolsFailed) and not Upgradeable — the
 * pattern real clusters show. When the budget allows it again, the pool and the operator recover.
 */
export function stepPool(
  state: ClusterState,
  t: { mcp: ResourceType; co: ResourceType },
  p: KubeObject,
  now: string,
): void {
  const o = structuredClone(p);
  const updated = Number(o.status.updatedMachineCount ?? 0);
  const nodes = state.store
    .list(T.node)
    .filter((n) => matchesSelector(o.spec?.nodeSelector, n.metadata.labels))
    .map((n) => n.metadata.name)
    .sort();
  const node = nodes.length && o.spec?.nodeSelector ? nodes[updated] : undefined;
  const since = blockedSince.get(state) ?? new Map<string, number>();
  blockedSince.set(state, since);
  const blocker = node ? drainBlocker(state, node) : undefined;
  const key = o.metadata.uid!;
  if (node && blocker) {
    const start = since.get(key) ?? state.now().getTime();
    since.set(key, start);
    if (state.now().getTime() - start >= DRAIN_FAIL_MS) degrade(state, t, o, node, blocker, now);
    return;
  }
  if (since.delete(key)) recover(state, t, o, now);
  const next = Math.min(updated + 1, o.status.machineCount ?? 0);
  o.status = { ...o.status, updatedMachineCount: next };
  if (next >= (o.status.machineCount ?? 0))
    setPoolUpdating(o, false, `All nodes are updated with MachineConfig ${o.status.configuration?.name}`, now);
  state.store.update(t.mcp, o, { statusOnly: true });
}

/** A pod on the node whose budget allows no disruption: what an eviction would be refused for. */
function drainBlocker(state: ClusterState, node: string): string | undefined {
  for (const pod of state.store.list(
    T.pod,
    undefined,
    (x) => x.spec?.nodeName === node && !x.metadata.deletionTimestamp,
  )) {
    if (pod.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'DaemonSet')) continue;
    const pdb = state.store
      .list(T.pdb, pod.metadata.namespace)
      .find(
        (b) =>
          matchesSelector(b.spec?.selector, pod.metadata.labels) && budgetStatus(state, b).disruptionsAllowed === 0,
      );
    if (pdb) return `${pod.metadata.namespace}/${pod.metadata.name} (PodDisruptionBudget ${pdb.metadata.name})`;
  }
  return undefined;
}

function degrade(
  state: ClusterState,
  t: { mcp: ResourceType; co: ResourceType },
  o: KubeObject,
  node: string,
  blocker: string,
  now: string,
) {
  const total = o.status.machineCount ?? 0;
  const updated = o.status.updatedMachineCount ?? 0;
  o.status = { ...o.status, degradedMachineCount: 1, unavailableMachineCount: 1, readyMachineCount: total - 1 };
  setConditions(o, now, [
    {
      type: 'NodeDegraded',
      status: 'True',
      reason: '1 nodes are reporting degraded status on sync',
      message: `Node ${node} is reporting: "failed to drain node: ${node} after 1 hour. Please see machine-config-controller logs for more information" (cannot evict ${blocker})`,
    },
    { type: 'Degraded', status: 'True', reason: '', message: '' },
  ]);
  state.store.update(t.mcp, o, { statusOnly: true });
  const mco = state.store.get(t.co, undefined, 'machine-config');
  if (!mco) return;
  const target = (mco.status?.versions ?? []).find((v: { name: string }) => v.name === 'operator')?.version;
  const next = structuredClone(mco);
  setConditions(next, isoSeconds(state.now()), [
    {
      type: 'Degraded',
      status: 'True',
      reason: 'RequiredPoolsFailed',
      message: `Failed to resync ${target} because: error during syncRequiredMachineConfigPools: [context deadline exceeded, error MachineConfigPool ${o.metadata.name} is not ready, retrying. Status: (pool degraded: true total: ${total}, ready ${total - 1}, updated: ${updated}, unavailable: 1)]`,
    },
    {
      type: 'Upgradeable',
      status: 'False',
      reason: 'DegradedPool',
      message:
        'One or more machine config pools are degraded, please see `oc get mcp` for further details and resolve before upgrading',
    },
  ]);
  state.store.update(t.co, next, { statusOnly: true });
}

function recover(state: ClusterState, t: { mcp: ResourceType; co: ResourceType }, o: KubeObject, now: string) {
  o.status = {
    ...o.status,
    degradedMachineCount: 0,
    unavailableMachineCount: 0,
    readyMachineCount: o.status.machineCount,
  };
  setConditions(o, now, [
    { type: 'NodeDegraded', status: 'False', reason: '', message: '' },
    { type: 'Degraded', status: 'False', reason: '', message: '' },
  ]);
  const mco = state.store.get(t.co, undefined, 'machine-config');
  if (!mco) return;
  const next = structuredClone(mco);
  setConditions(next, now, [
    { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
    { type: 'Upgradeable', status: 'True', reason: 'AsExpected', message: '' },
  ]);
  state.store.update(t.co, next, { statusOnly: true });
}

function setConditions(
  o: KubeObject,
  now: string,
  set: { type: string; status: string; reason: string; message: string }[],
) {
  const old = (o.status.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[];
  o.status.conditions = [
    ...old.filter((c) => !set.some((x) => x.type === c.type)),
    ...set.map((c) => {
      const before = old.find((x) => x.type === c.type);
      return { ...c, lastTransitionTime: before?.status === c.status ? before.lastTransitionTime : now };
    }),
  ];
}

function setPoolUpdating(o: KubeObject, updating: boolean, message: string, now: string): void {
  setConditions(o, now, [
    { type: 'Updating', status: updating ? 'True' : 'False', reason: '', message: updating ? message : '' },
    { type: 'Updated', status: updating ? 'False' : 'True', reason: '', message: updating ? '' : message },
  ]);
}
