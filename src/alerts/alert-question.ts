import { parsePayload } from '../domain/alertmanager-payload.ts';
import type { TaskAlert } from '../domain/task-alert.ts';
import { type AlertGroupView, alertTask } from './alert-task.ts';

/** The part of an Alertmanager webhook payload (version 4) an investigation needs. */
export interface AlertScope {
  question: string;
  namespace?: string;
  groupKey?: string;
  alert: TaskAlert;
}

/**
 * Turns a webhook payload (`claw investigate --alert FILE`) into a task question and scope.
 * Throws PayloadError naming what is wrong with a payload that is not one.
 */
export function alertScope(payload: unknown): AlertScope {
  const p = parsePayload(payload);
  const group: AlertGroupView = {
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    alerts: p.alerts,
  };
  return { ...alertTask(group), groupKey: p.groupKey };
}
