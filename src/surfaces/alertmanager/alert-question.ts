/** The part of an Alertmanager webhook payload (version 4) an investigation needs. */
export interface AlertScope {
  question: string;
  namespace?: string;
  groupKey?: string;
}

/**
 * Turns a webhook payload into a task question and scope: alert name and summary, the pods it
 * names (they only rank candidates) and the common namespace. Throws a plain message on a
 * payload that is not one.
 */
export function alertScope(payload: unknown): AlertScope {
  if (!payload || typeof payload !== 'object' || !Array.isArray((payload as { alerts?: unknown }).alerts)) {
    throw new Error('not an Alertmanager webhook payload (no "alerts" array)');
  }
  const p = payload as { alerts: { labels?: Record<string, string> }[]; commonLabels?: Record<string, string>; commonAnnotations?: Record<string, string>; groupKey?: string };
  const labels = p.commonLabels ?? {};
  const pods = [...new Set(p.alerts.map((a) => a.labels?.pod).filter((x): x is string => Boolean(x)))];
  const what = [labels.alertname, p.commonAnnotations?.summary ?? p.commonAnnotations?.description].filter(Boolean).join(': ');
  const question = [what || 'alert fired', pods.length ? `(pods ${pods.join(', ')})` : ''].filter(Boolean).join(' ');
  return { question, namespace: labels.namespace, groupKey: p.groupKey };
}
