import { z } from 'zod';
import { fingerprintOf } from './alert-fingerprint.ts';
import { PayloadError } from './errors.ts';

/** An alert's (and a group's) state, as Alertmanager says it. */
export type AlertGroupStatus = 'firing' | 'resolved';

const labelSet = z.record(z.string(), z.string());
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 time');

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((l) => Object.keys(l).length > 0, 'an alert needs at least one label'),
  annotations: labelSet.default({}),
  startsAt: time,
  endsAt: time.optional(),
  generatorURL: z.string().default(''),
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{1,16}$/, 'expected up to 16 hex digits')
    .optional(),
});

/** Alertmanager's webhook body, version 4 (notify/webhook Message). Unknown fields are ignored. */
const payloadSchema = z.object({
  version: z.literal('4', { error: 'only version "4" payloads are understood (Alertmanager 0.x webhook)' }),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().min(1).max(1024),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1, 'a notification carries at least one alert').max(10_000),
});

export type WebhookAlert = z.infer<typeof alertSchema> & { fingerprint: string };
export type WebhookPayload = Omit<z.infer<typeof payloadSchema>, 'alerts'> & { alerts: WebhookAlert[] };

/**
 * Validates a parsed body; throws PayloadError naming every field that is wrong (at most five).
 * Alerts without a fingerprint (a custom sender) get Alertmanager's own, computed from the labels.
 */
export function parsePayload(body: unknown): WebhookPayload {
  const r = payloadSchema.safeParse(body);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map(
      (i) =>
        `${
          i.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '') || 'body'
        }: ${i.message}`,
    );
    throw new PayloadError(`not an Alertmanager webhook payload: ${issues.join('; ')}`);
  }
  return {
    ...r.data,
    alerts: r.data.alerts.map((a) => ({ ...a, fingerprint: a.fingerprint ?? fingerprintOf(a.labels) })),
  };
}
