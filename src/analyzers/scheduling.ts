import type { KubeObject } from '../lib/kube-object.ts';

/** A FailedScheduling message taken apart: "0/3 nodes are available: 1 Insufficient memory, 2 node(s) …". */
export interface SchedulingFailure {
  total: number;
  reasons: { count: number; reason: string }[];
  /** resources: some node lacked cpu/memory/pod slots; placement: selectors, affinity, taints, cordon; volumes: claims. */
  kind: 'resources' | 'placement' | 'volumes';
  cordoned: number;
}

const RESOURCE = /^(Insufficient \S+|Too many pods)$/;

export function parseFailedScheduling(message: string): SchedulingFailure | undefined {
  const m = /^0\/(\d+) nodes are available: (.*?)\.(?: preemption:|$)/.exec(message.trim());
  if (!m) return undefined;
  const total = Number(m[1]);
  const body = m[2]!;
  if (/unbound immediate PersistentVolumeClaims|persistentvolumeclaim ".*" not found/.test(body)) {
    return { total, reasons: [{ count: total, reason: body }], kind: 'volumes', cordoned: 0 };
  }
  const reasons = body.split(/, (?=\d+ )/).map((part) => {
    const r = /^(\d+) (.*)$/.exec(part.trim());
    return r ? { count: Number(r[1]), reason: r[2]! } : { count: 0, reason: part.trim() };
  });
  const resources = reasons.some((r) => RESOURCE.test(r.reason));
  const cordoned = reasons.find((r) => r.reason === 'node(s) were unschedulable')?.count ?? 0;
  return { total, reasons, kind: resources ? 'resources' : 'placement', cordoned };
}

/**
 * The placement terms a pod asks for that no node satisfies, each with what the nodes have for it:
 * `nodeSelector disktype=ssd: no node has it (worker-a: disktype=hdd; worker-b: no disktype)`.
 * Required node affinity (In, NotIn, Exists, DoesNotExist) and the nodeSelector are judged;
 * taints and cordons have their own wording in the scheduler's message.
 */
export function unmetPlacementTerms(pod: KubeObject, nodes: readonly KubeObject[]): string[] {
  const has = (n: KubeObject, key: string) => n.metadata.labels?.[key];
  const what = (key: string) =>
    nodes
      .slice(0, 5)
      .map((n) => `${n.metadata.name}: ${has(n, key) !== undefined ? `${key}=${has(n, key)}` : `no ${key}`}`)
      .join('; ');
  const out: string[] = [];
  for (const [key, value] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>))
    if (!nodes.some((n) => has(n, key) === value))
      out.push(`nodeSelector ${key}=${value}: no node has it (${what(key)})`);
  const terms: any[] =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const satisfies = (n: KubeObject, e: any) => {
    const v = has(n, e.key);
    if (e.operator === 'In') return v !== undefined && (e.values ?? []).includes(v);
    if (e.operator === 'NotIn') return v === undefined || !(e.values ?? []).includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    return true;
  };
  // Terms are ORed: only when no term fits anywhere is any of them the reason.
  if (
    terms.length &&
    !nodes.some((n) => terms.some((t) => (t.matchExpressions ?? []).every((e: any) => satisfies(n, e))))
  )
    for (const t of terms)
      for (const e of t.matchExpressions ?? [])
        if (!nodes.some((n) => satisfies(n, e)))
          out.push(
            `node affinity ${e.key} ${e.operator}${e.values?.length ? ` [${e.values.join(', ')}]` : ''}: no node satisfies it (${what(e.key)})`,
          );
  return out;
}
