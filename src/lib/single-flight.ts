/**
 * Coalesces identical concurrent calls: while a call for `key` on `owner` is in flight, callers
 * share its promise; once it settles the next call starts afresh (no caching beyond the flight,
 * so nobody gets data older than a request that started before theirs).
 */
export function singleFlight<O extends object, V>(flights: WeakMap<O, Map<string, Promise<V>>>, owner: O, key: string, run: () => Promise<V>): Promise<V> {
  let byKey = flights.get(owner);
  if (!byKey) {
    byKey = new Map();
    flights.set(owner, byKey);
  }
  const inFlight = byKey.get(key);
  if (inFlight) return inFlight;
  const map = byKey;
  const p = run().finally(() => map.delete(key));
  map.set(key, p);
  return p;
}
