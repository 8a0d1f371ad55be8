import { controllerOf, type KubeObject } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';

/** Deletes objects whose controlling owner (of a kind the sandbox serves) no longer exists. */
export function runGarbageCollector(state: ClusterState): void {
  const uids = new Set<string | undefined>();
  for (const o of state.store.stored()) uids.add(o.metadata.uid);
  const orphans: { apiVersion: string; kind: string; namespace?: string; name: string }[] = [];
  for (const obj of state.store.stored()) {
    const ref = controllerOf(obj as KubeObject);
    if (!ref || uids.has(ref.uid) || !state.types.findByKind(ref.apiVersion, ref.kind)) continue;
    orphans.push({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    });
  }
  // Deleted after the scan: deleting while iterating the store would change what it iterates.
  for (const o of orphans) {
    const t = state.types.findByKind(o.apiVersion, o.kind);
    if (t) state.store.delete(t, o.namespace, o.name);
  }
}
