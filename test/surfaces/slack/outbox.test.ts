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

  it("serves what a reader needs first ahead of the rest when the channel's budget is short, each lane in order", async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, pace: { burst: 2, perSecond: 1 } });
      const done: { what: string; at: number }[] = [];
      const post = (what: string, first = false) =>
        box.send('C1', async () => done.push({ what, at: t.at() }), { paced: true, first });
      const rest = ['card 1', 'summary 1', 'card 2', 'summary 2'].map((w) => post(w));
      const firsts = ['finding 3', 'finding 4'].map((w) => post(w, true));
      await Promise.all([...rest, ...firsts]);
      const order = done.map((d) => d.what);
      // The burst went to the calls already waiting; then the findings took the next tokens.
      expect(order.slice(0, 2).sort()).toEqual(['card 1', 'finding 3']);
      expect(order.indexOf('finding 4')).toBeLessThan(order.indexOf('card 2'));
      expect(order.filter((w) => !w.startsWith('finding'))).toEqual(['card 1', 'summary 1', 'card 2', 'summary 2']);
      // Still one a second after the burst, whoever gets it: the channel waited a second per post beyond it.
      expect(t.waits).toEqual([1000, 1000, 1000, 1000]);
    } finally {
      t.restore();
    }
  });

  it("pauses every lane of a channel for a 429's Retry-After, not only the lane that met it", async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, pace: { burst: 10, perSecond: 1 } });
      const done: { what: string; at: number }[] = [];
      let limited = false;
      const rateLimited = Object.assign(new Error('rate limited'), {
        code: 'slack_webapi_rate_limited_error',
        retryAfter: 5,
      });
      const first = box.send(
        'C1',
        async () => {
          if (!limited) {
            limited = true;
            throw rateLimited;
          }
          done.push({ what: 'thread', at: t.at() });
        },
        { paced: true, first: true },
      );
      // Queued on the other lane while the first waits out its 429.
      await Promise.resolve();
      const other = box.send('C1', async () => done.push({ what: 'card', at: t.at() }), { paced: true });
      await Promise.all([first, other]);
      expect(done.find((d) => d.what === 'thread')!.at).toBe(5000);
      expect(done.find((d) => d.what === 'card')!.at).toBeGreaterThanOrEqual(5000);
    } finally {
      t.restore();
    }
  });

  it("keeps the last tokens of a channel's burst for new threads and first findings", async () => {
    const t = virtualTime();
    try {
      const box = new SlackOutbox({ logger, sleep: t.sleep, pace: { burst: 4, perSecond: 1, reservedForFirst: 2 } });
      const done: { what: string; at: number }[] = [];
      const post = (what: string, first = false) =>
        box.send('C1', async () => done.push({ what, at: t.at() }), { paced: true, first });
      // Cards and summaries spend the burst down to the reserve, then go at the refill's pace…
      await Promise.all(['card 1', 'summary 1', 'card 2', 'summary 2'].map((w) => post(w)));
      expect(done.map((d) => d.at)).toEqual([0, 0, 1000, 2000]);
      const waited = t.waits.length;
      // …so two new threads still find a token each at once.
      await Promise.all([post('thread 3', true), post('thread 4', true)]);
      expect(done.slice(4)).toEqual([
        { what: 'thread 3', at: 2000 },
        { what: 'thread 4', at: 2000 },
      ]);
      expect(t.waits.length).toBe(waited);
    } finally {
      t.restore();
    }
  });

  it('a new thread does not wait while the channel waits to refill its reserve for a card', async () => {
    // A sleep that never ends by itself: only a `first` call can move the channel on.
    const pending: number[] = [];
    const box = new SlackOutbox({
      logger,
      sleep: (ms) => {
        pending.push(ms);
        return new Promise(() => {});
      },
      pace: { burst: 4, perSecond: 1, reservedForFirst: 2 },
    });
    const done: string[] = [];
    const post = (what: string, first = false) => box.send('C1', async () => done.push(what), { paced: true, first });
    await Promise.all([post('card 1'), post('summary 1')]);
    void post('card 2');
    await new Promise((r) => setTimeout(r, 10));
    expect(pending).toHaveLength(1);
    await post('thread 3', true);
    expect(done).toEqual(['card 1', 'summary 1', 'thread 3']);
  });
});
