import type { AlertGroupStatus } from './alertmanager-payload.ts';

export interface IncomingAlert {
  fingerprint: string;
  status: AlertGroupStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

/** What the store wrote for one alert: a new row, or a status change of a known one. */
export interface WrittenAlert {
  fingerprint: string;
  status: AlertGroupStatus;
  inserted: boolean;
}

export interface AlertDelta {
  fired: IncomingAlert[];
  /** Resolved alerts: `wasFiring` ones were counted as firing before. */
  resolved: IncomingAlert[];
  wasFiring: number;
  /** Resolved before, firing again with a new start (a flap). */
  refired: IncomingAlert[];
}

/**
 * Alertmanager always sends a group's full current set; the store writes only what changed
 * (src/store/alert-groups.ts writeAlerts). This names those changes. An alert absent from a
 * notification says nothing: resolved alerts drop out once they have been sent.
 */
export function classify(incoming: readonly IncomingAlert[], written: readonly WrittenAlert[]): AlertDelta {
  const byFp = new Map(incoming.map((a) => [a.fingerprint, a]));
  const d: AlertDelta = { fired: [], resolved: [], wasFiring: 0, refired: [] };
  for (const w of written) {
    const a = byFp.get(w.fingerprint)!;
    if (w.status === 'firing') (w.inserted ? d.fired : d.refired).push(a);
    else {
      d.resolved.push(a);
      if (!w.inserted) d.wasFiring++;
    }
  }
  return d;
}

/** One entry per fingerprint (the last wins): a notification never names an alert twice, but a custom sender might. */
export function uniqueAlerts<T extends { fingerprint: string }>(alerts: readonly T[]): T[] {
  return [...new Map(alerts.map((a) => [a.fingerprint, a])).values()];
}

const NOISE = new Set([
  'alertname',
  'severity',
  'prometheus',
  'instance',
  'job',
  'uid',
  'endpoint',
  'service',
  'metrics_path',
  'namespace',
]);

/** How one alert differs from its group: `pod=cart-7d9c… container=api` (what a human tells apart). */
export function alertLabel(labels: Readonly<Record<string, string>>, common: Readonly<Record<string, string>>): string {
  const own = Object.entries(labels).filter(([k, v]) => common[k] !== v && !NOISE.has(k));
  return own.length ? own.map(([k, v]) => `${k}=${v}`).join(' ') : (labels.alertname ?? 'alert');
}
