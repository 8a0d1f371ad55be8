import { type ClusterState, T } from '../cluster-state.ts';

/** A namespace being deleted: `status.phase` Terminating (set by the delete), emptied by the controller. */
export const isTerminating = (ns: { status?: { phase?: string } } | undefined) => ns?.status?.phase === 'Terminating';

/**
 * The namespace controller: a Terminating namespace has everything in it deleted (objects held
 * by finalizers wait for their controllers), then goes itself. So `kubectl delete namespace`
 * returns within a pass or two, and the same name can be created again.
 */
export function runNamespaceController(state: ClusterState): void {
  for (const ns of state.store.list(T.namespace)) {
    if (!isTerminating(ns)) continue;
    const name = ns.metadata.name;
    const inside = [...state.store.stored()].filter((o) => o.metadata.namespace === name);
    for (const o of inside) {
      const t = state.types.findByKind(o.apiVersion, o.kind);
      if (t?.namespaced) state.store.delete(t, name, o.metadata.name);
    }
    if (![...state.store.stored()].some((o) => o.metadata.namespace === name))
      state.store.delete(T.namespace, undefined, name);
  }
}
