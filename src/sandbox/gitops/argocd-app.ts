import type { KubeObject } from '../../lib/kube-object.ts';
import type { ClusterState } from '../cluster-state.ts';
import { type AppliedResource, applyAll, placeObjects, pruneAll, refOf } from './apply-desired.ts';
import { driftOf } from './live-compare.ts';
import { type HealthStatus, resourceHealth, worst } from './resource-health.ts';

/** What a source rendered to at one commit (or why it would not). */
export interface Target {
  sha: string;
  source: Record<string, any>;
  type?: string;
  objects: KubeObject[];
  error?: string;
}

export const TRACKING = 'argocd.argoproj.io/tracking-id';

/** `<app>:<group>/<kind>:<namespace>/<name>`: Argo CD's annotation tracking (its default since 2.x's successor, 3.0). */
export function trackingId(app: string, o: KubeObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${app}:${group}/${o.kind}:${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The desired objects of `target`, placed in the destination and marked as the app's. */
export function desiredOf(state: ClusterState, app: KubeObject, target: Target) {
  return placeObjects(state, target.objects, app.spec?.destination?.namespace ?? 'default', (o) => {
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TRACKING]: trackingId(app.metadata.name, o) };
  });
}

/** Compares Git with the cluster: the app's `resources`, sync status and health, as the application controller writes them. */
export function compareApp(state: ClusterState, app: KubeObject, target: Target) {
  const { placed, errors } = desiredOf(state, app, target);
  let health: HealthStatus = 'Healthy';
  let outOfSync = false;
  const seen = new Set<string>();
  const resources = placed.map(({ type, obj }) => {
    const live = state.store.get(type, obj.metadata.namespace, obj.metadata.name);
    const drift = driftOf(obj, live);
    const h = live ? resourceHealth(live) : { status: 'Missing' as const };
    if (h) health = worst(health, h.status);
    if (drift.length) outOfSync = true;
    seen.add(key(refOf(obj)));
    return {
      ...refOf(obj),
      status: drift.length ? 'OutOfSync' : 'Synced',
      ...(h ? { health: { status: h.status, ...(h.message ? { message: h.message } : {}) } } : {}),
    };
  });
  // What the app applied before and Git no longer declares waits for a pruning sync.
  for (const r of (app.status?.resources ?? []) as any[]) {
    if (seen.has(key(r))) continue;
    const type = state.types.findByKind(r.group ? `${r.group}/${r.version}` : r.version, r.kind);
    const live = type && state.store.get(type, r.namespace, r.name);
    if (!live || live.metadata.annotations?.[TRACKING] !== trackingId(app.metadata.name, live)) continue;
    outOfSync = true;
    resources.push({ ...refOfRef(r), status: 'OutOfSync', requiresPruning: true } as any);
  }
  return { placed, errors, resources, outOfSync: outOfSync || errors.length > 0, health };
}

/** Runs a sync of `target`: applies every object, prunes when asked, and reports like operationState.syncResult. */
export function syncApp(
  state: ClusterState,
  app: KubeObject,
  target: Target,
  prune: boolean,
): { ok: boolean; message: string; resources: AppliedResource[] } {
  const { placed, errors } = desiredOf(state, app, target);
  if (errors.length)
    return { ok: false, message: `one or more synchronization tasks are not valid: ${errors[0]}`, resources: [] };
  const options: string[] = app.spec?.syncPolicy?.syncOptions ?? [];
  const applied = applyAll(state, placed, 'argocd-controller', options.includes('CreateNamespace=true'));
  const wanted = new Set(placed.map(({ obj }) => key(refOf(obj))));
  const stale = ((app.status?.resources ?? []) as any[])
    .filter((r) => r.requiresPruning && !wanted.has(key(r)))
    .map(refOfRef);
  const pruned = prune
    ? pruneAll(state, stale)
    : stale.map((r) => ({ ...r, status: 'PruneSkipped' as const, message: 'ignored (requires pruning)' }));
  const resources = [...applied, ...pruned];
  const failed = resources.find((r) => r.status === 'SyncFailed');
  return failed
    ? { ok: false, message: `one or more objects failed to apply, reason: ${failed.message}`, resources }
    : { ok: true, message: 'successfully synced (all tasks run)', resources };
}

function key(r: { group?: string; kind: string; namespace?: string; name: string }): string {
  return `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

function refOfRef(r: any) {
  return {
    group: r.group ?? '',
    version: r.version,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
  };
}
