import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from '../observability/logger.ts';
import { withLogContext, withoutLogContext } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import { PostgresRunCoordinator } from './run-coordinator.ts';

/** A job run on a cron schedule, once per slot across replicas. Returns what it did, for the log. */
export interface ScheduledJob {
  name: string;
  cron: string;
  run(slot: Date): Promise<Record<string, unknown> | undefined>;
}

export interface SchedulerDeps {
  db: Db;
  owner: string;
  logger: Logger;
  metrics?: Metrics;
  timezone: string;
  /** How long a replica's claim on a slot holds if it dies mid-job. */
  leaseMs?: number;
}

/**
 * Every replica schedules every job with node-cron; the Postgres RunCoordinator lets exactly one
 * of them run each slot. A job still running when its next slot comes is not started twice in
 * this process (noOverlap); `stop()` waits for jobs in progress, within reason.
 */
export class Scheduler {
  private readonly deps: SchedulerDeps;
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
  }

  start(jobs: readonly ScheduledJob[]): void {
    const { db, owner, logger, metrics, timezone } = this.deps;
    const coordinator = new PostgresRunCoordinator(db, owner);
    const cronLogger = {
      info: (m: string) => logger.debug({ component: 'node-cron' }, m),
      warn: (m: string) => logger.warn({ component: 'node-cron' }, m),
      error: (m: string | Error, err?: Error) =>
        logger.error({ component: 'node-cron', err: err ?? m }, typeof m === 'string' ? m : 'scheduler error'),
      debug: (m: string | Error) => logger.debug({ component: 'node-cron' }, String(m)),
    };
    for (const job of jobs) {
      const task = withoutLogContext(() =>
        createTask(
          job.cron,
          async ({ date }) => {
            const done = withLogContext({ job: job.name, slot: date.toISOString() }, async () => {
              await this.runJob(job, date);
              await coordinator
                .finish(job.name, date)
                .catch((err) => logger.warn({ err }, 'could not mark the scheduled slot finished'));
            });
            this.running.add(done);
            await done.finally(() => this.running.delete(done));
          },
          {
            name: job.name,
            timezone,
            noOverlap: true,
            distributed: true,
            runCoordinator: coordinator,
            distributedLease: this.deps.leaseMs ?? 5 * 60_000,
            logger: cronLogger,
            unref: true,
            suppressMissedWarning: true,
          },
        ),
      );
      task.on('execution:skipped', (ctx) => {
        metrics?.scheduledJobs.inc({
          job: job.name,
          result: ctx.reason === 'coordinator-error' ? 'coordinator_error' : 'other_replica',
        });
        if (ctx.reason === 'coordinator-error')
          logger.warn(
            { job: job.name, err: ctx.error },
            'scheduled job skipped: the store could not say which replica runs it',
          );
      });
      void task.start();
      this.tasks.push(task);
    }
  }

  private async runJob(job: ScheduledJob, slot: Date): Promise<void> {
    const started = Date.now();
    try {
      const result = await job.run(slot);
      this.deps.metrics?.scheduledJobs.inc({ job: job.name, result: 'ran' });
      if (result) this.deps.logger.info({ ...result, ms: Date.now() - started }, `scheduled job ${job.name} done`);
    } catch (err) {
      this.deps.metrics?.scheduledJobs.inc({ job: job.name, result: 'failed' });
      this.deps.logger.error({ err }, `scheduled job ${job.name} failed`);
    }
  }

  /** Stops the timers, then waits up to `waitMs` for jobs in progress. */
  async stop(waitMs = 5000): Promise<void> {
    for (const t of this.tasks.splice(0)) await t.destroy();
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
