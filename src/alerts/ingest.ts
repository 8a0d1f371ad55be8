import type { AlertRouting } from '../config/config.ts';
import {
  type AlertDelta,
  alertLabel,
  classify,
  type IncomingAlert,
  uniqueAlerts,
} from '../domain/alert-group-delta.ts';
import type { AlertGroupStatus, WebhookPayload } from '../domain/alertmanager-payload.ts';
import { applyNotifications, type GroupChange, type GroupOpening, recordChanges } from '../store/alert-groups.ts';
import type { Db } from '../store/db.ts';
import { routeAlert } from './alert-routes.ts';

export interface IngestResult {
  groupId: string;
  created: boolean;
  /** Something the thread must show changed (false for repeats and duplicates). */
  changed: boolean;
  fired: number;
  resolved: number;
  refired: number;
}

type ClusterOf = (label: string | undefined) => string | undefined;

/**
 * Applies notifications in one transaction: each group (created and routed on first sight, locked
 * while applied), its alerts by fingerprint, and, when something changed, the new counts and the
 * notes its thread will show. Idempotent: a repeat or a clustered Alertmanager's duplicate changes
 * nothing. Slack is not touched here; the dispatcher catches up. Each group at most once per call
 * (IngestQueue batches that way); results come back in the order given.
 */
export async function ingestBatch(
  db: Db,
  routing: AlertRouting,
  payloads: WebhookPayload[],
  clusterOf: ClusterOf,
): Promise<IngestResult[]> {
  const key = (receiver: string, groupKey: string) => `${receiver}\u0000${groupKey}`;
  return db.transaction().execute(async (trx) => {
    const incoming = payloads.map((p) => uniqueAlerts(p.alerts) as IncomingAlert[]);
    const { groups, written } = await applyNotifications(
      trx,
      payloads.map((p, i) => ({ group: opening(routing, p, clusterOf), alerts: incoming[i]! })),
    );
    const byKey = new Map(groups.map((g) => [key(g.receiver, g.group_key), g]));
    const items = payloads.map((p, i) => ({
      p,
      group: byKey.get(key(p.receiver, p.groupKey))!,
      incoming: incoming[i]!,
    }));
    const changes: GroupChange[] = [];
    const results = items.map(({ p, group, incoming }) => {
      const d = classify(
        incoming,
        written.filter((w) => w.group_id === String(group.id)),
      );
      const result = {
        groupId: String(group.id),
        created: group.inserted,
        changed: d.fired.length + d.resolved.length + d.refired.length > 0,
        fired: d.fired.length,
        resolved: d.resolved.length,
        refired: d.refired.length,
      };
      if (result.changed) {
        const firing = group.firing + d.fired.length + d.refired.length - d.wasFiring;
        const resolved = group.resolved + d.resolved.length - d.refired.length;
        const status: AlertGroupStatus = firing > 0 ? 'firing' : 'resolved';
        changes.push({
          groupId: String(group.id),
          status,
          firing,
          resolved,
          notes: group.inserted ? [] : notesFor(group.status, status, d, p.commonLabels, firing),
        });
      }
      return result;
    });
    await recordChanges(trx, changes);
    return results;
  });
}

/** One notification (tests, and the queue's retry of a batch that failed as a whole). */
export async function ingestNotification(
  db: Db,
  routing: AlertRouting,
  p: WebhookPayload,
  clusterOf: ClusterOf,
): Promise<IngestResult> {
  return (await ingestBatch(db, routing, [p], clusterOf))[0]!;
}

/** A group as first seen: routed by claw.yaml on its group and common labels. */
function opening(routing: AlertRouting, p: WebhookPayload, clusterOf: ClusterOf): GroupOpening {
  const labels = { ...p.commonLabels, ...p.groupLabels };
  const route = routeAlert(routing, labels);
  return {
    receiver: p.receiver,
    groupKey: p.groupKey,
    status: p.status,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalUrl: p.externalURL,
    channel: route.channel ?? null,
    investigate: route.investigate,
    muted: route.mute,
    cluster: route.cluster ?? clusterOf(labels.cluster) ?? 'default',
  };
}

/** What the thread says about a change (plain text; the notifier escapes it). */
function notesFor(
  before: AlertGroupStatus,
  after: AlertGroupStatus,
  d: AlertDelta,
  common: Record<string, string>,
  firing: number,
): { kind: string; text: string }[] {
  const list = (as: IncomingAlert[]) =>
    `${as
      .slice(0, 10)
      .map((a) => alertLabel(a.labels, common))
      .join(', ')}${as.length > 10 ? ` and ${as.length - 10} more` : ''}`;
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const notes: { kind: string; text: string }[] = [];
  if (before === 'resolved' && after === 'firing')
    notes.push({ kind: 'refired', text: `Firing again: ${list([...d.refired, ...d.fired])}` });
  else if (d.fired.length || d.refired.length)
    notes.push({
      kind: 'fired',
      text: `${n(d.fired.length + d.refired.length, 'new alert')} firing: ${list([...d.fired, ...d.refired])}`,
    });
  if (after === 'resolved' && before === 'firing')
    notes.push({ kind: 'resolved', text: `Resolved: every alert in this group has ended (${list(d.resolved)}).` });
  else if (d.resolved.length && after === 'firing')
    notes.push({
      kind: 'resolved_some',
      text: `${n(d.resolved.length, 'alert')} resolved: ${list(d.resolved)}. Still firing: ${firing}.`,
    });
  return notes;
}
