import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';
import { recordEvent } from '../controllers/event-recorder.ts';
import { setConditions } from './flux-status.ts';
import { releaseHistory } from './helm-storage.ts';
import { resourceHealth } from './resource-health.ts';

/** The objects of a release manifest that helm's --wait would still be waiting for. */
export function unhealthyObjects(state: ClusterState, manifest: string, namespace: string): KubeObject[] {
  return parseAllDocuments(manifest)
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o?.kind && o.metadata?.name)
    .filter((o) => {
      const t = state.types.findByKind(o.apiVersion, o.kind);
      const live =
        t && state.store.get(t, t.namespaced ? (o.metadata.namespace ?? namespace) : undefined, o.metadata.name);
      const h = live ? resourceHealth(live) : { status: 'Missing' };
      return h && h.status !== 'Healthy';
    });
}

/** Ready/Released False with helm-controller's words, and the failure counters. */
export function markFailed(
  state: ClusterState,
  next: KubeObject,
  stamp: string,
  action: 'install' | 'upgrade',
  names: { namespace: string; release: string },
  chart: string,
  why: string,
) {
  const Verb = action === 'install' ? 'Install' : 'Upgrade';
  const message = `Helm ${action} failed for release ${names.namespace}/${names.release} with chart ${chart}: ${why}`;
  next.status!.failures = Number(next.status!.failures ?? 0) + 1;
  next.status![`${action}Failures`] = Number(next.status![`${action}Failures`] ?? 0) + 1;
  setConditions(
    next,
    stamp,
    [
      { type: 'Ready', status: 'False', reason: `${Verb}Failed`, message },
      { type: 'Released', status: 'False', reason: `${Verb}Failed`, message },
    ],
    ['Reconciling'],
  );
  recordEvent(state, next, { reason: `${Verb}Failed`, type: 'Warning', component: 'helm-controller', message });
}

/** helm-controller's post-renderer labels every object with its HelmRelease. */
export function labelReleaseObjects(
  state: ClusterState,
  hr: KubeObject,
  names: { storage: string; release: string; namespace: string },
) {
  const latest = releaseHistory(state, names.storage, names.release)[0];
  for (const o of parseAllDocuments(latest?.release.manifest ?? '').map((d) => d.toJS() as KubeObject)) {
    const t = o?.kind && state.types.findByKind(o.apiVersion, o.kind);
    const live =
      t && state.store.get(t, t.namespaced ? (o.metadata.namespace ?? names.namespace) : undefined, o.metadata.name);
    if (!t || !live) continue;
    live.metadata.labels = {
      ...live.metadata.labels,
      'helm.toolkit.fluxcd.io/name': hr.metadata.name,
      'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace!,
    };
    state.store.update(t, live);
  }
}
