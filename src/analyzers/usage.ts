import { cpuMillis, formatMi, parseQuantity } from '../lib/quantity.ts';
import { type ClusterSnapshot, type Problem, refKey } from './snapshot.ts';
import { workloadOf } from './workloads.ts';

const THROTTLED = 0.95;
const FILLING = 0.85;
const CRITICAL = 0.95;

/** Containers using at least 95% of their CPU limit: the CFS quota is throttling them. Grouped by workload. */
export function analyzeCpu(s: ClusterSnapshot): Problem[] {
  const byWorkload = new Map<string, Problem>();
  for (const m of s.podMetrics ?? []) {
    const pod = s.pods.find(
      (p) => p.metadata.name === m.metadata.name && p.metadata.namespace === m.metadata.namespace,
    );
    if (!pod) continue;
    for (const usage of (m.containers ?? []) as { name: string; usage: { cpu: string } }[]) {
      const c = (pod.spec?.containers ?? []).find((x: any) => x.name === usage.name);
      const limit = cpuMillis(c?.resources?.limits?.cpu);
      const used = (parseQuantity(usage.usage.cpu) ?? 0) * 1000;
      if (!limit || used < THROTTLED * limit) continue;
      const object = workloadOf(s, pod);
      const key = refKey(object);
      const line = `Pod ${pod.metadata.namespace}/${pod.metadata.name}, container "${c.name}": CPU usage ${Math.round(used)}m of its ${c.resources.limits.cpu} limit (${Math.round((100 * used) / limit)}%)`;
      const existing = byWorkload.get(key);
      if (existing) {
        if (existing.evidence.length < 4) existing.evidence.push(line);
        continue;
      }
      byWorkload.set(key, {
        category: 'cpu_throttling',
        severity: 2,
        object,
        summary: `${object.kind} ${object.namespace}/${object.name} is CPU-throttled: container ${c.name} runs at its ${c.resources.limits.cpu} CPU limit`,
        evidence: [
          line,
          `Container "${c.name}" CPU request ${c.resources?.requests?.cpu ?? 'none'}, limit ${c.resources.limits.cpu}`,
        ],
        facts: {
          pod: pod.metadata.name,
          container: c.name,
          limits: c.resources.limits,
          requests: c.resources?.requests ?? {},
          usedMillis: Math.round(used),
        },
      });
    }
  }
  return [...byWorkload.values()];
}

/** Persistent volumes at least 85% full (critical from 95%), with whether their class can grow them. */
export function analyzeVolumes(s: ClusterSnapshot): Problem[] {
  const seen = new Set<string>();
  return (s.volumes ?? []).flatMap((v) => {
    const key = `${v.namespace}/${v.claim}`;
    if (seen.has(key) || v.capacityBytes <= 0) return [];
    seen.add(key);
    const ratio = v.usedBytes / v.capacityBytes;
    if (ratio < FILLING) return [];
    const pvc = s.pvcs.find((c) => c.metadata.namespace === v.namespace && c.metadata.name === v.claim);
    const cls = s.storageClasses.find((c) => c.metadata.name === pvc?.spec?.storageClassName);
    const capacity = pvc?.status?.capacity?.storage ?? formatMi(v.capacityBytes / 2 ** 20);
    return [
      {
        category: 'volume_filling' as const,
        severity: ratio >= CRITICAL ? 3 : 2,
        object: { kind: 'PersistentVolumeClaim', namespace: v.namespace, name: v.claim },
        summary: `PersistentVolumeClaim ${v.namespace}/${v.claim} is ${Math.round(100 * ratio)}% full (${formatMi(v.usedBytes / 2 ** 20)} of ${capacity})`,
        evidence: [
          `Volume of claim ${v.namespace}/${v.claim} (mounted by pod ${v.pod}): ${formatMi(v.usedBytes / 2 ** 20)} used of ${capacity}, ${formatMi((v.capacityBytes - v.usedBytes) / 2 ** 20)} free`,
          `Storage class ${pvc?.spec?.storageClassName ?? '(none)'}: ${cls?.allowVolumeExpansion ? 'allows volume expansion' : 'does not allow volume expansion'}`,
        ],
        facts: {
          capacity,
          capacityBytes: v.capacityBytes,
          usedBytes: v.usedBytes,
          expandable: Boolean(cls?.allowVolumeExpansion),
        },
      },
    ];
  });
}
