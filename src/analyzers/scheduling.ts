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
