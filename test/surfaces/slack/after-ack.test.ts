import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import { AfterAck } from '../../../src/surfaces/slack/after-ack.ts';

describe('work after an ack (simulated clock)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits while acks keep coming, then runs everything, a few at a time', async () => {
    const q = new AfterAck(createLogger('silent'), 2);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const job = (i: number) => async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    for (let i = 0; i < 5; i++) {
      q.run(job(i));
      await vi.advanceTimersByTimeAsync(10); // the next ack comes within the quiet window
    }
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(12); // 22 ms after the last ack: two start, the rest wait for a slot
    expect(started).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    await q.drained();
  });

  it('never holds a job back longer than the bound under steady traffic, and survives a failing job', async () => {
    const q = new AfterAck(createLogger('silent'));
    let doneAt: number | undefined;
    const t0 = Date.now();
    q.run(async () => {
      throw new Error('boom');
    });
    q.run(async () => {
      doneAt = Date.now() - t0;
    });
    for (let i = 0; i < 100 && doneAt === undefined; i++) {
      q.run(async () => {});
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(doneAt).toBe(500);
    await vi.advanceTimersByTimeAsync(100);
    await q.drained();
  });
});
