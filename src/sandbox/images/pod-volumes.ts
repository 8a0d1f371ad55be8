import type { KubeObject } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';

/**
 * The files a pod's emptyDir volumes hold, shared by its containers. Init containers fill them
 * before the app starts (the classic "init container fetches the content, nginx serves it"), and
 * `kubectl exec` writes land there too. Each writer's files are kept apart, so a container run again
 * replaces what it wrote instead of adding to it; readers see them merged in writing order.
 */
type Writes = Map<string, Map<string, string | null>>; // writer → path within the volume → content (null: removed)

const stores = new WeakMap<ClusterState, Map<string, Writes>>();

function writesOf(state: ClusterState, pod: KubeObject, volume: string): Writes {
  const byState = stores.get(state) ?? new Map<string, Writes>();
  stores.set(state, byState);
  const key = `${pod.metadata.uid}/${volume}`;
  const writes = byState.get(key) ?? new Map();
  byState.set(key, writes);
  return writes;
}

/** The volume's files, relative to its root: what every writer but `except` left there. */
export function emptyDirFiles(
  state: ClusterState,
  pod: KubeObject,
  volume: string,
  except?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [writer, files] of writesOf(state, pod, volume)) {
    if (writer === except) continue;
    for (const [path, content] of files) {
      if (content === null) delete out[path];
      else out[path] = content;
    }
  }
  return out;
}

/** Records what `writer` left in the volume (replacing what it left before, for a re-run). */
export function setEmptyDirWrites(
  state: ClusterState,
  pod: KubeObject,
  volume: string,
  writer: string,
  files: Map<string, string | null>,
): void {
  const writes = writesOf(state, pod, volume);
  if (files.size === 0 && !writes.has(writer)) return;
  writes.set(writer, files);
}

/** Adds to what `writer` left in the volume (exec writes accumulate). */
export function mergeEmptyDirWrites(
  state: ClusterState,
  pod: KubeObject,
  volume: string,
  writer: string,
  files: Map<string, string | null>,
): void {
  const writes = writesOf(state, pod, volume);
  const merged = new Map(writes.get(writer) ?? []);
  for (const [path, content] of files) merged.set(path, content);
  writes.set(writer, merged);
}

/** A digest of everything in the pod's emptyDirs, for cache keys. */
export function emptyDirVersion(state: ClusterState, pod: KubeObject, except?: string): string {
  const volumes = (pod.spec?.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name);
  return volumes.map((v: string) => JSON.stringify(emptyDirFiles(state, pod, v, except))).join('|');
}

/** The emptyDir mounts of a container: volume name and mount path. */
export function emptyDirMounts(pod: KubeObject, c: any): { volume: string; mountPath: string }[] {
  const emptyDirs = new Set((pod.spec?.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => v.name));
  return (c.volumeMounts ?? [])
    .filter((m: any) => emptyDirs.has(m.name) && !m.subPath)
    .map((m: any) => ({ volume: m.name, mountPath: String(m.mountPath).replace(/\/$/, '') }));
}

/** Splits a container's file writes into those under each emptyDir mount (relative paths). */
export function writesUnderMounts(
  mounts: { volume: string; mountPath: string }[],
  events: { path: string; content: string | null }[],
): Map<string, Map<string, string | null>> {
  const out = new Map<string, Map<string, string | null>>();
  for (const e of events) {
    const m = mounts.find((x) => e.path.startsWith(`${x.mountPath}/`));
    if (!m) continue;
    const files = out.get(m.volume) ?? new Map<string, string | null>();
    out.set(m.volume, files);
    files.set(e.path.slice(m.mountPath.length + 1), e.content);
  }
  return out;
}
