import type { AlertGroupStatus } from '../store/schema.ts';

export interface KnownAlert {
  fingerprint: string;
  status: AlertGroupStatus;
  startsAt: Date;
}

export interface IncomingAlert {
  fingerprint: string;
  status: AlertGroupStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

export interface AlertDelta {
  /** Rows to write (new alerts and status changes); everything else in the notification is a repeat. */
  write: IncomingAlert[];
  fired: IncomingAlert[];
  resolved: IncomingAlert[];
  /** Resolved before, firing again with a new start (a flap). */
  refired: IncomingAlert[];
  /** A late copy of an earlier state (a clustered Alertmanager's duplicate): ignored. */
  stale: number;
}

/**
 * Compares a notification (Alertmanager always sends the group's full current set) with what is
 * stored, per fingerprint. An alert absent from the notification says nothing: resolved alerts
 * drop out once they have been sent. A resolved alert "firing" again with the same start is a
 * late duplicate; with a new start it fired again.
 */
export function diffAlerts(known: ReadonlyMap<string, KnownAlert>, incoming: readonly IncomingAlert[]): AlertDelta {
  const d: AlertDelta = { write: [], fired: [], resolved: [], refired: [], stale: 0 };
  const seen = new Set<string>();
  for (const a of incoming) {
    if (seen.has(a.fingerprint)) continue;
    seen.add(a.fingerprint);
    const k = known.get(a.fingerprint);
    if (!k) {
      d.write.push(a);
      (a.status === 'firing' ? d.fired : d.resolved).push(a);
    } else if (k.status === 'firing' && a.status === 'resolved') {
      d.write.push(a);
      d.resolved.push(a);
    } else if (k.status === 'resolved' && a.status === 'firing') {
      if (Date.parse(a.startsAt) > k.startsAt.getTime()) {
        d.write.push(a);
        d.refired.push(a);
      } else d.stale++;
    }
  }
  return d;
}

const NOISE = new Set(['alertname', 'severity', 'prometheus', 'instance', 'job', 'uid', 'endpoint', 'service', 'metrics_path', 'namespace']);

/** How one alert differs from its group: `pod=cart-7d9c… container=api` (what a human tells apart). */
export function alertLabel(labels: Readonly<Record<string, string>>, common: Readonly<Record<string, string>>): string {
  const own = Object.entries(labels).filter(([k, v]) => common[k] !== v && !NOISE.has(k));
  return own.length ? own.map(([k, v]) => `${k}=${v}`).join(' ') : (labels.alertname ?? 'alert');
}
