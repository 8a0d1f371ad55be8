// Kubernetes resource quantities (resource.Quantity) as numbers.
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** The quantity's value in base units (bytes, cores); undefined when it does not parse. */
export function parseQuantity(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|n|u|m|k|M|G|T|P|[eE][+-]?\d+)?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) return n * BINARY[suffix]!;
  if (suffix in DECIMAL) return n * DECIMAL[suffix]!;
  return Number(`${m[1]}${suffix}`);
}

/** Memory quantity in MiB. */
export function quantityToMi(q: string | number | undefined | null): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : v / 2 ** 20;
}

/** CPU quantity in millicores. */
export function cpuMillis(q: string | number | undefined | null): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.round(v * 1000);
}

/** MiB as a quantity string, in Gi when whole (what a person would write in a manifest). */
export function formatMi(mi: number): string {
  const rounded = Math.ceil(mi);
  return rounded % 1024 === 0 ? `${rounded / 1024}Gi` : `${rounded}Mi`;
}

/** Millicores as a quantity a person would write: whole cores when whole. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${Math.round(millis)}m`;
}
