import type { Metrics } from '../../observability/metrics.ts';
import type { Db } from '../../store/db.ts';
import { requeueExpired, resumeDecided } from '../../store/run-queue.ts';
import type { ScheduledJob } from '../scheduler.ts';

/**
 * Runs whose replica stopped renewing their lease (it died) go back to the queue, and so do runs
 * left paused on a proposal whose decider died before resuming them; NOTIFY wakes every
 * replica's supervisor to resume them from their checkpoint.
 */
export function reapLeasesJob(db: Db, cron: string, metrics?: Metrics): ScheduledJob {
  return {
    name: 'reap-leases',
    cron,
    async run() {
      const requeued = await requeueExpired(db);
      if (requeued) metrics?.leaseTakeovers.inc(requeued);
      const resumed = await resumeDecided(db);
      return requeued || resumed ? { requeued, resumed } : undefined;
    },
  };
}
