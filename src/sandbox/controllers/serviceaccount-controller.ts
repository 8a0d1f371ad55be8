import { type ClusterState, T } from '../cluster-state.ts';
import { isTerminating } from './namespace-controller.ts';

/** Every active namespace has a `default` ServiceAccount, as the service-account controller ensures. */
export function runServiceAccountController(state: ClusterState): void {
  for (const ns of state.store.list(T.namespace)) {
    if (ns.metadata.deletionTimestamp || isTerminating(ns)) continue;
    if (state.store.get(T.serviceAccount, ns.metadata.name, 'default')) continue;
    state.store.create(T.serviceAccount, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns.metadata.name },
    } as never);
  }
}
