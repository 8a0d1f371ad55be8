const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;

/**
 * Alertmanager's alert fingerprint (prometheus/common model.LabelSet.Fingerprint): 64-bit FNV-1a
 * over the sorted label names and values, each followed by a 0xFF byte, as 16 hex digits.
 */
export function fingerprintOf(labels: Record<string, string>): string {
  let h = OFFSET;
  const enc = new TextEncoder();
  for (const k of Object.keys(labels).sort()) {
    for (const s of [k, labels[k]!]) {
      for (const b of enc.encode(s)) h = ((h ^ BigInt(b)) * PRIME) & MASK;
      h = ((h ^ 0xffn) * PRIME) & MASK;
    }
  }
  return h.toString(16).padStart(16, '0');
}
