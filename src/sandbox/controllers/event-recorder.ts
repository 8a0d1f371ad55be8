import { createHash } from 'node:crypto';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from '../cluster-state.ts';

export interface RecordedEvent {
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  component: string;
  host?: string;
  /** How many times it happened, when the caller knows; otherwise each call adds one. */
  count?: number;
  fieldPath?: string;
}

/**
 * Upserts a core/v1 Event for `obj`, aggregated by (object, reason) the way the client-go
 * recorder aggregates repeats: same name, rising count, new lastTimestamp.
 */
export function recordEvent(state: ClusterState, obj: KubeObject, e: RecordedEvent): void {
  const ns = obj.metadata.namespace ?? 'default';
  // Explicit counts come from the kubelet's timeline (stable messages); otherwise repeats of the
  // same message aggregate, as client-go's recorder does.
  const key = e.count !== undefined ? `${e.fieldPath ?? ''}` : e.message;
  const id = createHash('sha1').update(`${obj.metadata.uid}/${e.reason}/${key}`).digest('hex').slice(0, 16);
  const name = `${obj.metadata.name}.${id}`;
  const now = isoSeconds(state.now());
  const existing = state.store.get(T.event, ns, name);
  const count = e.count ?? (existing ? Number(existing.count ?? 1) + 1 : 1);
  if (existing && existing.count === count && existing.message === e.message) return;
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    type: e.type,
    count,
    firstTimestamp: (existing?.firstTimestamp as string | undefined) ?? now,
    lastTimestamp: now,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  };
  if (existing) state.store.update(T.event, { ...event, metadata: existing.metadata });
  else state.store.create(T.event, event);
}
