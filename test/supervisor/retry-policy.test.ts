import { describe, expect, it } from 'vitest';
import type { RunHistoryEntry } from '../../src/store/schema.ts';
import { CircuitBreakers } from '../../src/supervisor/circuit-breaker.ts';
import { backoffMs, checkpointPortable, orderWorkers } from '../../src/supervisor/retry-policy.ts';
import type { Worker } from '../../src/workers/worker.ts';

const worker = (id: string): Worker => ({ id, run: async () => ({ status: 'succeeded', summary: id }) });
const chain = [worker('anthropic:claude'), worker('openai:gpt'), worker('hermes:h4'), worker('runbooks')];
const entry = (w: string, outcome: RunHistoryEntry['outcome']): RunHistoryEntry => ({
  attempt: 1,
  worker: w,
  at: '',
  outcome,
});

describe('retry policy', () => {
  it('backs off exponentially with jitter between half and all of the capped delay', () => {
    const opts = { baseSeconds: 2, maxSeconds: 60 };
    expect([1, 2, 3, 4].map((a) => backoffMs(a, opts, () => 1))).toEqual([2000, 4000, 8000, 16000]);
    expect([1, 2, 3, 4].map((a) => backoffMs(a, opts, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(10, opts, () => 1)).toBe(60_000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(3, opts)));
    expect(spread.size).toBeGreaterThan(10);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(4000);
  });

  it('orders workers: the checkpoint holder first, then the chain minus failed workers and open breakers; runbooks always stay', () => {
    const ids = (ws: Worker[]) => ws.map((w) => w.id);
    expect(ids(orderWorkers(chain, { worker: null, history: [] }, () => true))).toEqual([
      'anthropic:claude',
      'openai:gpt',
      'hermes:h4',
      'runbooks',
    ]);
    expect(ids(orderWorkers(chain, { worker: 'hermes:h4', history: [] }, () => true))).toEqual([
      'hermes:h4',
      'anthropic:claude',
      'openai:gpt',
      'runbooks',
    ]);
    expect(
      ids(
        orderWorkers(
          chain,
          { worker: null, history: [entry('anthropic:claude', 'stalled'), entry('openai:gpt', 'started')] },
          () => true,
        ),
      ),
    ).toEqual(['openai:gpt', 'hermes:h4', 'runbooks']);
    expect(
      ids(orderWorkers(chain, { worker: null, history: [entry('runbooks', 'error')] }, (id) => id !== 'openai:gpt')),
    ).toEqual(['anthropic:claude', 'hermes:h4', 'runbooks']);
  });

  it('moves a transcript between models but never into or out of the runbooks', () => {
    expect(checkpointPortable('anthropic:claude', 'openai:gpt')).toBe(true);
    expect(checkpointPortable('anthropic:claude', 'runbooks')).toBe(false);
    expect(checkpointPortable('runbooks', 'runbooks')).toBe(true);
    expect(checkpointPortable(null, 'runbooks')).toBe(false);
  });
});

describe('circuit breaker per model', () => {
  it('opens after consecutive failures, lets one trial through after the cooldown, closes on success', () => {
    let now = 0;
    const b = new CircuitBreakers({ failures: 3, cooldownSeconds: 10, now: () => now });
    b.failure('m');
    b.failure('m');
    expect(b.allow('m')).toBe(true);
    b.failure('m');
    expect(b.allow('m')).toBe(false);
    expect(b.open()).toEqual([{ id: 'm', until: new Date(10_000) }]);
    expect(b.allow('other')).toBe(true);
    now = 10_001;
    expect(b.allow('m')).toBe(true); // the half-open trial
    expect(b.allow('m')).toBe(false); // only one at a time
    b.failure('m');
    expect(b.allow('m')).toBe(false);
    now = 20_002;
    expect(b.allow('m')).toBe(true);
    b.success('m');
    expect(b.allow('m')).toBe(true);
    expect(b.allow('m')).toBe(true);
  });
});
