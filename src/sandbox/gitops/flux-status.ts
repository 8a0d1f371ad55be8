import type { KubeObject } from '../../lib/kube-object.ts';

export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Flux's kstatus conditions: sets each given condition (keeping lastTransitionTime when the status
 * did not change, stamping observedGeneration), drops the types in `remove`, Ready first.
 */
export function setConditions(obj: KubeObject, stamp: string, set: Condition[], remove: string[] = []): void {
  const prev: any[] = obj.status?.conditions ?? [];
  const gen = obj.metadata.generation;
  const kept = prev.filter((c) => !remove.includes(c.type) && !set.some((s) => s.type === c.type));
  const next = set.map((c) => {
    const old = prev.find((p) => p.type === c.type);
    return {
      ...c,
      observedGeneration: gen,
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : stamp,
    };
  });
  obj.status = {
    ...(obj.status ?? {}),
    conditions: [...next, ...kept].sort((a, b) => order(a.type) - order(b.type)),
  };
}

function order(type: string): number {
  return ['Reconciling', 'Stalled', 'Ready'].indexOf(type) + 1 || 9;
}

/** Flux durations: `10m`, `1m30s`, `5m0s`, `1h`. */
export function parseDuration(text: unknown, fallbackMs: number): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(String(text ?? ''));
  if (!m || !text) return fallbackMs;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** Go's Duration.String for whole seconds: `3m0s`, `30s`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
}

/** Whether a reconcile is due: asked for (annotation), a spec change, or the interval elapsed. */
export function reconcileDue(obj: KubeObject, lastRunMs: number | undefined, nowMs: number): boolean {
  const asked = obj.metadata.annotations?.[REQUESTED_AT];
  if (asked && asked !== obj.status?.lastHandledReconcileAt) return true;
  if (obj.metadata.generation !== obj.status?.observedGeneration) return true;
  return lastRunMs === undefined || nowMs - lastRunMs >= parseDuration(obj.spec?.interval, 600_000);
}
