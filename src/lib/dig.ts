/** The value at `path` in plain JSON (object keys), or undefined where any step is missing. */
export function dig(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** `dig` for a list: the array at `path`, or [] when it is absent or not a list. */
export function digList(value: unknown, ...path: string[]): unknown[] {
  const v = dig(value, ...path);
  return Array.isArray(v) ? v : [];
}
