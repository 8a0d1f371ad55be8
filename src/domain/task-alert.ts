/** What an alert-started task knows about its alert (untrusted: labels come from Prometheus). */
export interface TaskAlert {
  alertnames: string[];
  severity?: string;
  labels: Record<string, string>;
  summary?: string;
  /** Objects the labels name (pod, deployment, node, PVC, job…): they rank problems first. */
  objects: { kind: string; name: string; namespace?: string }[];
  /** Finding categories that explain this alert (src/domain/alert-catalog.ts). */
  categories: string[];
}
