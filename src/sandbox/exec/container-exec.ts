import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { containerBehaviour, type ExecResult, genericExec } from '../images/container-behaviour.ts';
import { emptyDirFiles, emptyDirMounts, mergeEmptyDirWrites, writesUnderMounts } from '../images/pod-volumes.ts';
import { clusterNetwork } from '../network/cluster-network.ts';
import { ApiError } from '../object-store.ts';
import type { Shell } from '../shell/sh-run.ts';

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** The container `kubectl exec` names (or the pod's first), refused as the API server refuses it. */
export function execTarget(state: ClusterState, namespace: string, name: string, container?: string): ExecTarget {
  const pod = state.store.get(T.pod, namespace, name);
  if (!pod) throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
  const c = container ?? pod.spec?.containers?.[0]?.name;
  if (!(pod.spec?.containers ?? []).some((x: any) => x.name === c))
    throw new ApiError(400, 'BadRequest', `container ${c} is not valid for pod ${name}`);
  const status = (pod.status?.containerStatuses ?? []).find((s: any) => s.name === c);
  if (!status?.state?.running) throw new ApiError(400, 'BadRequest', `container not found ("${c}")`);
  return { namespace, pod: name, container: c! };
}

// Files written by earlier execs, per container instance (a restart starts from the image again).
const overlays = new WeakMap<ClusterState, Map<string, Map<string, string | null>>>();

/** Runs `command` in the container as it is now, with the pod's network; what it printed and its exit code. */
export function runInContainer(
  state: ClusterState,
  target: ExecTarget,
  command: string[],
  stdin: string,
  session?: { shell?: Shell },
): ExecResult {
  const pod = state.store.get(T.pod, target.namespace, target.pod) as KubeObject;
  const c = pod.spec.containers.find((x: any) => x.name === target.container);
  const status = (pod.status?.containerStatuses ?? []).find((s: any) => s.name === target.container);
  const startedAt = new Date(status?.state?.running?.startedAt ?? pod.status?.startTime ?? state.now()).getTime();
  const at = Math.max(0, (state.now().getTime() - startedAt) / 1000);
  const byState = overlays.get(state) ?? new Map<string, Map<string, string | null>>();
  overlays.set(state, byState);
  const key = `${pod.metadata.uid}/${target.container}/${status?.restartCount ?? 0}`;
  const overlay = byState.get(key) ?? new Map<string, string | null>();
  byState.set(key, overlay);
  const exec = containerBehaviour(state, pod, c).exec ?? genericExec(state, pod, c);
  // The pod's emptyDirs as other containers' execs left them, then this container's own writes.
  const mounts = emptyDirMounts(pod, c);
  const view = new Map<string, string | null>();
  for (const m of mounts)
    for (const [rel, content] of Object.entries(emptyDirFiles(state, pod, m.volume, target.container)))
      view.set(`${m.mountPath}/${rel}`, content);
  for (const [path, content] of overlay) view.set(path, content);
  const before = new Map(view);
  const result = exec(command, at, {
    stdin,
    net: clusterNetwork(state, pod, (p, x) => containerBehaviour(state, p, x)),
    overlay: view,
    session,
  });
  const written = [...view].filter(([path, content]) => before.get(path) !== content || !before.has(path));
  for (const [path, content] of written) overlay.set(path, content);
  for (const [volume, files] of writesUnderMounts(
    mounts,
    written.map(([path, content]) => ({ path, content })),
  )) {
    mergeEmptyDirWrites(state, pod, volume, 'exec', files);
  }
  return result;
}
