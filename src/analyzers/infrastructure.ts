import { isNodeReady } from '../lib/kube-object.ts';
import { matchesServiceSelector } from '../lib/label-selector.ts';
import { type ClusterSnapshot, type Problem, warningsFor } from './snapshot.ts';

/** Nodes whose Ready condition is not True, with the pods they strand. */
export function analyzeNodes(s: ClusterSnapshot): Problem[] {
  return s.nodes
    .filter((n) => !isNodeReady(n))
    .map((n) => {
      const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      const stranded = s.pods.filter((p) => p.spec?.nodeName === n.metadata.name);
      const pressure = (n.status?.conditions ?? [])
        .filter((c: any) => c.type !== 'Ready' && c.status === 'True')
        .map((c: any) => c.type);
      return {
        category: 'node_not_ready' as const,
        // A drained, cordoned NotReady node affects nothing: a repair job for a human, not an outage.
        severity: stranded.length ? 3 : n.spec?.unschedulable ? 1 : 2,
        object: { kind: 'Node', name: n.metadata.name },
        summary: `Node ${n.metadata.name} is NotReady (${ready?.reason ?? 'unknown reason'}); ${stranded.length} pod(s) on it are not serving`,
        evidence: [
          `Node ${n.metadata.name} condition Ready=${ready?.status ?? 'Unknown'} (${ready?.reason ?? ''}): ${ready?.message ?? ''}`.trim(),
          ...(pressure.length ? [`Also reporting ${pressure.join(', ')}`] : []),
          ...(stranded.length
            ? [
                `Pods on ${n.metadata.name}: ${stranded
                  .slice(0, 6)
                  .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
                  .join(', ')}`,
              ]
            : []),
          ...(n.spec?.unschedulable ? [`Node ${n.metadata.name} is already cordoned`] : []),
        ],
        facts: { node: n.metadata.name, stranded: stranded.length, cordoned: Boolean(n.spec?.unschedulable) },
      };
    });
}

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

/** Ready nodes reporting pressure: the kubelet evicts pods and refuses new ones until it clears. */
export function analyzeNodePressure(s: ClusterSnapshot): Problem[] {
  return s.nodes.filter(isNodeReady).flatMap((n) => {
    const pressing = (n.status?.conditions ?? []).filter((c: any) => PRESSURE.includes(c.type) && c.status === 'True');
    if (!pressing.length) return [];
    const evicted = s.pods.filter((p) => p.spec?.nodeName === n.metadata.name && p.status?.reason === 'Evicted');
    return [
      {
        category: 'unknown' as const,
        severity: 2,
        object: { kind: 'Node', name: n.metadata.name },
        summary: `Node ${n.metadata.name} reports ${pressing.map((c: any) => c.type).join(', ')}${evicted.length ? `; ${evicted.length} pod(s) were evicted` : ''}`,
        evidence: [
          ...pressing.map((c: any) =>
            `Node ${n.metadata.name} condition ${c.type}=True (${c.reason ?? ''}): ${c.message ?? ''}`.trim(),
          ),
          ...(evicted.length
            ? [
                `Evicted: ${evicted
                  .slice(0, 3)
                  .map((p) => `${p.metadata.namespace}/${p.metadata.name} (${p.status?.message ?? ''})`)
                  .join('; ')}`,
              ]
            : []),
        ],
        facts: { node: n.metadata.name, pressure: pressing.map((c: any) => c.type) },
      },
    ];
  });
}

/** Claims stuck in Pending, with the provisioner's reason. */
export function analyzeClaims(s: ClusterSnapshot): Problem[] {
  return s.pvcs
    .filter((c) => c.status?.phase !== 'Bound')
    .map((c) => {
      const ns = c.metadata.namespace;
      const users = s.pods.filter(
        (p) =>
          p.metadata.namespace === ns &&
          (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === c.metadata.name),
      );
      const events = s.events.filter(
        (e: any) =>
          e.involvedObject?.kind === 'PersistentVolumeClaim' &&
          e.involvedObject?.name === c.metadata.name &&
          e.involvedObject?.namespace === ns,
      );
      const waitingForConsumer = events.some((e: any) => e.reason === 'WaitForFirstConsumer') && users.length === 0;
      const cls = c.spec?.storageClassName;
      return {
        category: 'pvc_pending' as const,
        severity: waitingForConsumer ? 0 : users.length ? 3 : 2,
        object: { kind: 'PersistentVolumeClaim', namespace: ns, name: c.metadata.name },
        summary: `PersistentVolumeClaim ${ns}/${c.metadata.name} is Pending${users.length ? `, blocking ${users.length} pod(s)` : ''}`,
        evidence: [
          `Claim ${ns}/${c.metadata.name} requests ${c.spec?.resources?.requests?.storage ?? '?'} from storage class ${cls ?? '(none, and no default class)'}; phase ${c.status?.phase ?? 'Pending'}`,
          ...events
            .filter((e: any) => e.type === 'Warning')
            .slice(0, 2)
            .map((e: any) => `Event ${e.reason} (x${e.count ?? 1}): ${e.message}`),
          ...(cls && !s.storageClasses.some((x) => x.metadata.name === cls)
            ? [`Storage classes in the cluster: ${s.storageClasses.map((x) => x.metadata.name).join(', ') || 'none'}`]
            : []),
        ],
        facts: { storageClass: cls, users: users.map((p) => p.metadata.name) },
      };
    })
    .filter((p) => p.severity > 0);
}

/** Services that select no pod at all: a selector typo or a label change (symptoms of failing pods are left to the pod analyzers). */
export function analyzeServices(s: ClusterSnapshot): Problem[] {
  const out: Problem[] = [];
  for (const svc of s.services) {
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    if (!selector || !Object.keys(selector).length) continue;
    const ns = svc.metadata.namespace;
    const podsInNs = s.pods.filter((p) => p.metadata.namespace === ns);
    if (podsInNs.some((p) => matchesServiceSelector(selector, p.metadata.labels))) continue;
    const sel = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    // The selector is right, but the workload it selects runs no pod: scaled to zero.
    const idle = [...s.deployments, ...s.statefulSets].find(
      (w) =>
        w.metadata.namespace === ns &&
        w.spec?.replicas === 0 &&
        matchesServiceSelector(selector, w.spec?.template?.metadata?.labels),
    );
    if (idle) {
      out.push({
        category: 'service_no_endpoints',
        severity: 3,
        object: { kind: 'Service', namespace: ns, name: svc.metadata.name },
        summary: `Service ${ns}/${svc.metadata.name} has no endpoints: ${idle.kind} ${idle.metadata.name}, whose pods it selects, is scaled to 0 replicas`,
        evidence: [
          `${idle.kind} ${ns}/${idle.metadata.name} has spec.replicas 0; its pod template's labels match the selector {${sel}}`,
          ...warningsFor(s, idle.kind, idle.metadata.name, ns, 1),
        ],
        facts: { selector, scaledToZero: { kind: idle.kind, name: idle.metadata.name } },
      });
      continue;
    }
    const closest = closestLabels(
      selector,
      podsInNs.map((p) => p.metadata.labels ?? {}),
      svc.metadata.name,
    );
    out.push({
      category: 'service_no_endpoints',
      severity: 3,
      object: { kind: 'Service', namespace: ns, name: svc.metadata.name },
      summary: `Service ${ns}/${svc.metadata.name} has no endpoints: its selector ${sel} matches no pod`,
      evidence: [
        `Service ${ns}/${svc.metadata.name} selector {${sel}} matches 0 of ${podsInNs.length} pods in ${ns}`,
        ...(closest
          ? [
              `Closest pod labels: {${Object.entries(closest.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')}} (${closest.differs} selector key(s) differ)`,
            ]
          : []),
        ...warningsFor(s, 'Service', svc.metadata.name, ns, 1),
      ],
      facts: { selector, suggested: closest?.labels },
    });
  }
  return out;
}

/** The pod label set nearest the selector: restricted to the selector's keys, differing in as few as possible. */
function closestLabels(
  selector: Record<string, string>,
  labelSets: Record<string, string>[],
  serviceName: string,
): { labels: Record<string, string>; differs: number } | undefined {
  let best: { labels: Record<string, string>; differs: number; score: number } | undefined;
  for (const labels of labelSets) {
    const keys = Object.keys(selector).filter((k) => k in labels);
    if (!keys.length) continue;
    const projected = Object.fromEntries(keys.map((k) => [k, labels[k]!]));
    const differs = Object.keys(selector).filter((k) => labels[k] !== selector[k]).length;
    const named = Object.values(projected).includes(serviceName) ? 0 : 1;
    const score = differs * 2 + named + (Object.keys(selector).length - keys.length) * 3;
    if (!best || score < best.score) best = { labels: projected, differs, score };
  }
  return best && best.differs < Object.keys(selector).length + 1
    ? { labels: best.labels, differs: best.differs }
    : undefined;
}

/** Jobs that ended Failed (BackoffLimitExceeded, DeadlineExceeded…). */
export function analyzeJobs(s: ClusterSnapshot): Problem[] {
  return s.jobs.flatMap((job) => {
    const failed = (job.status?.conditions ?? []).find((c: any) => c.type === 'Failed' && c.status === 'True');
    if (!failed) return [];
    const ns = job.metadata.namespace;
    const pods = s.pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === job.metadata.uid));
    const exits = pods
      .map((p) =>
        (p.status?.containerStatuses ?? [])
          .map((c: any) => c.state?.terminated ?? c.lastState?.terminated)
          .find(Boolean),
      )
      .filter(Boolean);
    const last = exits[0];
    return [
      {
        category: 'job_failed' as const,
        severity: 2,
        object: { kind: 'Job', namespace: ns, name: job.metadata.name },
        summary: `Job ${ns}/${job.metadata.name} failed (${failed.reason}): ${job.status?.failed ?? 0} failed pod(s)`,
        evidence: [
          `Job condition Failed: ${failed.reason}: ${failed.message ?? ''}`.trim(),
          ...(last ? [`Its pods exited with code ${last.exitCode} (${last.reason})`] : []),
        ],
        facts: { pod: pods[0]?.metadata.name, container: pods[0]?.spec?.containers?.[0]?.name },
      },
    ];
  });
}
