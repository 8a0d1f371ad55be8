import { isClusterWideAlert, taskAlertOf } from '../domain/alert-catalog.ts';
import type { TaskAlert } from '../domain/task-alert.ts';
import { isDnsLabel } from '../lib/kube-names.ts';

export interface AlertGroupView {
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: { status?: string; labels: Record<string, string> }[];
}

/**
 * An alert group → the investigation's question and scope: what fired and where, the objects it
 * names (they rank candidates; the failing object is still found from the cluster), and the
 * namespace when every alert shares one.
 */
export function alertTask(group: AlertGroupView): { question: string; namespace?: string; alert: TaskAlert } {
  const firing = group.alerts.filter((a) => a.status !== 'resolved');
  const alert = taskAlertOf({ ...group, alerts: firing.length ? firing : group.alerts });
  const name = alert.alertnames.join(', ') || 'alert';
  // A label used as scope must be a namespace name, or the alert is not scoped by it: it reaches
  // the system prompt and the tools' scope check, and label text is anyone's who can push a metric.
  const label = isClusterWideAlert(alert) ? undefined : group.commonLabels.namespace;
  const namespace = label !== undefined && isDnsLabel(label) ? label : undefined;
  const where = namespace ? ` in namespace ${namespace}` : '';
  const objects = alert.objects.slice(0, 5).map((o) => `${o.kind.toLowerCase()} ${o.name}`);
  const question = [
    `${name}${alert.severity ? ` (${alert.severity})` : ''} is firing${where}`,
    alert.summary ? `: ${alert.summary}` : '',
    objects.length ? ` (${objects.join(', ')})` : '',
  ]
    .join('')
    .slice(0, 500);
  return { question, namespace, alert };
}
