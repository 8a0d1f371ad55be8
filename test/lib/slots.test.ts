import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/lib/slots.ts';

describe('slots', () => {
  it('lets `size` hold at once, the rest in arrival order, each release once', async () => {
    const s = new Slots(2);
    const order: string[] = [];
    const a = await s.take();
    const b = await s.take();
    expect(s.full).toBe(true);
    const noted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const c = s.take().then(noted('c'));
    const d = s.take().then(noted('d'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    a();
    a(); // twice is once
    await c;
    expect(order).toEqual(['c']);
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
  });

  it('a waiter whose signal aborts leaves the queue without taking a slot', async () => {
    const s = new Slots(1);
    const held = await s.take();
    const gone = new AbortController();
    const waiting = s.take(gone.signal);
    gone.abort(new Error('run killed'));
    await expect(waiting).rejects.toThrow('run killed');
    held();
    expect(s.full).toBe(false);
  });
});
