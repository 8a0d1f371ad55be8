import type { KubeObject } from './kube-object.ts';
import { cpuMillis, parseQuantity } from './quantity.ts';

/** Sum of container requests (the API server defaults requests to limits when only limits are set). */
export function podRequests(pod: KubeObject): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    cpu += cpuMillis(r.cpu) ?? 0;
    memory += parseQuantity(r.memory) ?? 0;
  }
  return { cpu, memory };
}
