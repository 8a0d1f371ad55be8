import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import { SlackOutbox } from '../../../src/surfaces/slack/outbox.ts';

/** A clock the outbox sleeps on: time moves only when it waits, so pacing is measured exactly. */
function virtualTime() {
  let now = 0;
  const waits: number[] = [];
  const realNow = Date.now;
  Date.now = () => now;
  return {
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    at: () => now,
    waits,
    restore: () => {
      Date.now = realNow;
    },
  };
}

describe('the Slack outbox pacing', () => {
  const logger = createLogger('silent');

  it('lets a burst of new messages through per channel, then one per second; channels do not share a budget', async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, pace: { burst: 3, perSecond: 1 } });
      const sent: { channel: string; at: number }[] = [];
      const post = (channel: string) =>
        box.send(channel, async () => sent.push({ channel, at: t.at() }), { paced: true });
      await Promise.all([...Array.from({ length: 6 }, () => post('C1')), post('C2'), post('C2')]);
      const c1 = sent.filter((s) => s.channel === 'C1').map((s) => s.at);
      expect(c1).toEqual([0, 0, 0, 1000, 2000, 3000]);
      // Unpaced calls (edits, streams) are not held back by the posting budget.
      await box.send('C1', async () => sent.push({ channel: 'C1', at: t.at() }));
      expect(sent.at(-1)!.at).toBe(3000);
    } finally {
      t.restore();
    }
  });

  it('edits share one workspace budget across channels (Tier 3)', async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, updatePace: { burst: 2, perSecond: 0.5 } });
      const at: number[] = [];
      await Promise.all(
        ['C1', 'C2', 'C3', 'C4'].map((c) => box.send(c, async () => at.push(t.at()), { update: true })),
      );
      expect(at.sort((a, b) => a - b)).toEqual([0, 0, 2000, 4000]);
    } finally {
      t.restore();
    }
  });

  it('posts a new thread at once while edits of old ones wait for their budget', async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, updatePace: { burst: 1, perSecond: 50 / 60 } });
      const done: { what: string; at: number }[] = [];
      // A storm's digest and thread edits queue up in the alert channel…
      const edits = Array.from({ length: 40 }, (_, i) =>
        box.send('C0ALERTS', async () => done.push({ what: `edit ${i}`, at: t.at() }), { update: true }),
      );
      // …then a new alert group opens its thread there.
      const post = box.send('C0ALERTS', async () => done.push({ what: 'new thread', at: t.at() }), { paced: true });
      await Promise.all([...edits, post]);
      expect(done.find((d) => d.what === 'new thread')!.at).toBe(0);
      // The edits kept their order and their pace.
      const editOrder = done.filter((d) => d.what.startsWith('edit')).map((d) => Number(d.what.slice(5)));
      expect(editOrder).toEqual([...editOrder].sort((a, b) => a - b));
      expect(done.at(-1)!.at).toBeGreaterThan(40_000);
    } finally {
      t.restore();
    }
  });
});
