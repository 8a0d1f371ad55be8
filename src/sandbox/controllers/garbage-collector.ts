import { controllerOf } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';

/** Deletes objects whose controlling owner (of a kind the sandbox serves) no longer exists. */
export function runGarbageCollector(state: ClusterState): void {
  const uids = new Set(state.store.all().map((o) => o.metadata.uid));
  for (const obj of state.store.all()) {
    const ref = controllerOf(obj);
    if (!ref || uids.has(ref.uid) || !state.types.findByKind(ref.apiVersion, ref.kind)) continue;
    const t = state.types.findByKind(obj.apiVersion, obj.kind);
    if (t) state.store.delete(t, obj.metadata.namespace, obj.metadata.name);
  }
}
