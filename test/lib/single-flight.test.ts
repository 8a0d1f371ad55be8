import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../src/lib/single-flight.ts';

describe('singleFlight', () => {
  it('shares one in-flight call among concurrent callers with the same key, and keeps nothing after it settles', async () => {
    const flights = new WeakMap<object, Map<string, Promise<number>>>();
    const owner = {};
    let calls = 0;
    const slow = () => new Promise<number>((r) => setTimeout(() => r(++calls), 20));
    const same = await Promise.all([1, 2, 3].map(() => singleFlight(flights, owner, 'ns', slow)));
    expect(same).toEqual([1, 1, 1]);
    expect(await singleFlight(flights, owner, 'ns', slow)).toBe(2); // a later call reads afresh
    const [a, b] = await Promise.all([singleFlight(flights, owner, 'a', slow), singleFlight(flights, owner, 'b', slow)]);
    expect(a).not.toBe(b); // different keys never share
    const failing = () => Promise.reject(new Error('403'));
    await expect(singleFlight(flights, owner, 'x', failing)).rejects.toThrow('403');
    expect(await singleFlight(flights, owner, 'x', slow)).toBeGreaterThan(0); // a failure is not remembered
  });
});
