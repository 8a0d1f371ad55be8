import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { Scheduler } from '../../src/scheduled/scheduler.ts';
import { openStore, type StoreHandle } from '../../src/store/db.ts';
import { claimSlot, finishSlot, listSlots } from '../../src/store/scheduled-slots.ts';
import { BACKENDS, openTestDb, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe.each(BACKENDS)('scheduled jobs run once per slot across replicas (%s)', (backend) => {
  let t: TestDb;
  let second: StoreHandle | undefined;
  beforeAll(async () => {
    t = await openTestDb(backend);
    // On the real server each replica has its own pool, as two processes would.
    if (t.url) second = await openStore({ databaseUrl: t.url, dataDir: '', signing: { key: TEST_SIGNING_KEY } });
  });
  afterAll(async () => {
    await second?.close();
    await t.close();
  });
  beforeEach(() => t.truncate());

  it('two replicas firing every second: each slot runs exactly once, and the other replica counts it skipped', async () => {
    const runs: { owner: string; slot: string }[] = [];
    const logger = createLogger('silent');
    const replicas = ['replica-a', 'replica-b'].map((owner, i) => {
      const metrics = new Metrics();
      const scheduler = new Scheduler({
        db: i === 1 && second ? second.db : t.db,
        owner,
        logger,
        metrics,
        timezone: 'UTC',
      });
      scheduler.start([
        {
          name: 'tick',
          cron: '* * * * * *',
          run: async (slot) => {
            runs.push({ owner, slot: slot.toISOString() });
            await new Promise((r) => setTimeout(r, 50));
            return undefined;
          },
        },
      ]);
      return { scheduler, metrics };
    });
    await waitFor('four slots', () => new Set(runs.map((r) => r.slot)).size >= 4 || undefined, 15_000, 50);
    await Promise.all(replicas.map((r) => r.scheduler.stop()));
    const slots = runs.map((r) => r.slot);
    expect(new Set(slots).size).toBe(slots.length);
    const recorded = await listSlots(t.db, 'tick');
    expect(recorded.map((r) => new Date(r.slot).toISOString()).sort()).toEqual([...slots].sort());
    for (const r of recorded) {
      expect(r.finished_at).not.toBeNull();
      expect(runs.find((x) => x.slot === new Date(r.slot).toISOString())?.owner).toBe(r.owner);
    }
    // Every slot either ran here or was seen to run on the other replica.
    const counted = async (m: Metrics, result: string) =>
      (await m.scheduledJobs.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    const ran = (await counted(replicas[0]!.metrics, 'ran')) + (await counted(replicas[1]!.metrics, 'ran'));
    const skipped =
      (await counted(replicas[0]!.metrics, 'other_replica')) + (await counted(replicas[1]!.metrics, 'other_replica'));
    expect(ran).toBe(slots.length);
    expect(skipped).toBeGreaterThanOrEqual(slots.length - 1);
  });

  it("a slot is claimed once; a dead owner's unfinished slot can be taken over after its lease, a finished one never", async () => {
    const slot = new Date('2026-11-28T09:00:00Z');
    const claims = await Promise.all(['a', 'b', 'c', 'd'].map((o) => claimSlot(t.db, 'digest', slot, o, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Owner dies (no finish) with a lease already over: the next ask takes it over.
    const other = new Date('2026-11-28T10:00:00Z');
    expect(await claimSlot(t.db, 'digest', other, 'dead', -1000)).toBe(true);
    expect(await claimSlot(t.db, 'digest', other, 'heir', 60_000)).toBe(true);
    await finishSlot(t.db, 'digest', other, 'heir');
    expect(await claimSlot(t.db, 'digest', other, 'late', -1000)).toBe(false);
    const rows = await listSlots(t.db, 'digest');
    expect(rows.find((r) => new Date(r.slot).getTime() === other.getTime())).toMatchObject({ owner: 'heir' });
  });
});
