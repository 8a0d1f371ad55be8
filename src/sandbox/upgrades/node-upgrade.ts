import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';

/**
 * A node annotated with this is upgraded in place by its own tooling (what system-upgrade-
 * controller or a provider's node agent does) as soon as it is cordoned and drained: its kubelet
 * restarts (NotReady for a simulated second) and then reports the annotation's version.
 */
export const KUBELET_UPGRADE_ANNOTATION = 'sandbox.clusterclaw.dev/kubelet-upgrade';
const RESTART_MS = 1_000;

export function runNodeUpgrades(state: ClusterState): void {
  const now = state.now();
  for (const node of state.store.list(T.node)) {
    const version = node.metadata.annotations?.[KUBELET_UPGRADE_ANNOTATION];
    if (!version || !node.spec?.unschedulable) continue;
    const name = node.metadata.name;
    const busy = state.store.list(
      T.pod,
      undefined,
      (p) =>
        p.spec?.nodeName === name &&
        !p.metadata.deletionTimestamp &&
        p.metadata.ownerReferences?.find((r) => r.controller)?.kind !== 'DaemonSet' &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed',
    );
    if (busy.length) continue;
    const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
    const others = (node.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Ready');
    if (ready?.status !== 'False' || ready.reason !== 'KubeletUpgrading') {
      const status = {
        ...node.status,
        conditions: [
          ...others,
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletUpgrading',
            message: `kubelet is restarting as ${version}`,
            lastTransitionTime: isoSeconds(now),
          },
        ],
      };
      state.store.update(T.node, { ...node, status }, { statusOnly: true });
      continue;
    }
    if (now.getTime() - Date.parse(ready.lastTransitionTime) < RESTART_MS) continue;
    const status = {
      ...node.status,
      nodeInfo: { ...node.status?.nodeInfo, kubeletVersion: version },
      conditions: [
        ...others,
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastTransitionTime: isoSeconds(now),
        },
      ],
    };
    state.store.update(T.node, { ...node, status }, { statusOnly: true });
    const fresh = state.store.get(T.node, undefined, name)!;
    const annotations = { ...fresh.metadata.annotations };
    delete annotations[KUBELET_UPGRADE_ANNOTATION];
    state.store.update(T.node, { ...fresh, metadata: { ...fresh.metadata, annotations } }, { preserveStatus: true });
  }
}
