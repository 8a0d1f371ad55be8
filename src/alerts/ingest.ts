import type { AlertRouting } from '../config.ts';
import { knownAlerts, lockGroup, recordChange, writeAlerts } from '../store/alert-groups.ts';
import type { Db } from '../store/db.ts';
import type { AlertGroupStatus } from '../store/schema.ts';
import type { WebhookPayload } from '../surfaces/alertmanager/webhook-payload.ts';
import { routeAlert } from './alert-routes.ts';
import { type IncomingAlert, alertLabel, diffAlerts } from './group-delta.ts';

export interface IngestResult {
  groupId: string;
  created: boolean;
  /** Something the thread must show changed (false for repeats and duplicates). */
  changed: boolean;
  fired: number;
  resolved: number;
  refired: number;
  stale: number;
}

/**
 * Applies one webhook notification in one transaction: the group (created and routed on first
 * sight, locked while applied), its alerts by fingerprint, and, when something changed, the new
 * counts and the notes its thread will show. Idempotent: a repeat or a clustered Alertmanager's
 * duplicate changes nothing. Slack is not touched here; the dispatcher catches up.
 */
export async function ingestNotification(db: Db, routing: AlertRouting, p: WebhookPayload, clusterOf: (label: string | undefined) => string | undefined): Promise<IngestResult> {
  const labels = { ...p.commonLabels, ...p.groupLabels };
  const route = routeAlert(routing, labels);
  return db.transaction().execute(async (trx) => {
    const group = await lockGroup(trx, {
      receiver: p.receiver, groupKey: p.groupKey, status: p.status, groupLabels: p.groupLabels, commonLabels: p.commonLabels, commonAnnotations: p.commonAnnotations,
      externalUrl: p.externalURL, channel: route.channel ?? null, investigate: route.investigate, muted: route.mute,
      cluster: route.cluster ?? clusterOf(labels.cluster) ?? 'default',
    });
    const incoming: IncomingAlert[] = p.alerts;
    const known = group.inserted ? new Map() : await knownAlerts(trx, group.id, [...new Set(incoming.map((a) => a.fingerprint))]);
    const d = diffAlerts(known, incoming);
    const result = { groupId: group.id, created: group.inserted, changed: d.write.length > 0, fired: d.fired.length, resolved: d.resolved.length, refired: d.refired.length, stale: d.stale };
    if (!result.changed) return result;
    await writeAlerts(trx, group.id, d.write);
    const firing = group.firing + d.fired.length + d.refired.length - d.resolved.filter((a) => known.has(a.fingerprint)).length;
    const resolved = group.resolved + d.resolved.length - d.refired.length;
    const status: AlertGroupStatus = firing > 0 ? 'firing' : 'resolved';
    await recordChange(trx, group.id, { status, firing, resolved, notes: group.inserted ? [] : notesFor(group.status, status, d, p.commonLabels, firing) });
    return result;
  });
}

/** What the thread says about a change (plain text; the notifier escapes it). */
function notesFor(before: AlertGroupStatus, after: AlertGroupStatus, d: ReturnType<typeof diffAlerts>, common: Record<string, string>, firing: number): { kind: string; text: string }[] {
  const list = (as: IncomingAlert[]) => `${as.slice(0, 10).map((a) => alertLabel(a.labels, common)).join(', ')}${as.length > 10 ? ` and ${as.length - 10} more` : ''}`;
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const notes: { kind: string; text: string }[] = [];
  if (before === 'resolved' && after === 'firing') notes.push({ kind: 'refired', text: `Firing again: ${list([...d.refired, ...d.fired])}` });
  else if (d.fired.length || d.refired.length) notes.push({ kind: 'fired', text: `${n(d.fired.length + d.refired.length, 'new alert')} firing: ${list([...d.fired, ...d.refired])}` });
  if (after === 'resolved' && before === 'firing') notes.push({ kind: 'resolved', text: `Resolved: every alert in this group has ended (${list(d.resolved)}).` });
  else if (d.resolved.length && after === 'firing') notes.push({ kind: 'resolved_some', text: `${n(d.resolved.length, 'alert')} resolved: ${list(d.resolved)}. Still firing: ${firing}.` });
  return notes;
}
