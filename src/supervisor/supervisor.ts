import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../cluster/kube-reader.ts';
import { abortable } from '../cluster/request-signal.ts';
import type { Config } from '../config/config.ts';
import { type Logger, withLogContext, withoutLogContext } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db, StoreHandle } from '../store/db.ts';
import { CANCEL_CHANNEL, claimRuns, NO_LIMITS, RUNS_CHANNEL } from '../store/run-queue.ts';
import type { Run } from '../store/schema.ts';
import { workerChain } from '../workers/router.ts';
import type { Worker } from '../workers/worker.ts';
import { CircuitBreakers } from './circuit-breaker.ts';
import { type AttemptDeps, RunStopped, runAttempt } from './run-attempt.ts';
import type { RunSink } from './run-sink.ts';

/**
 * Runs claimed at a time. The next claim follows at once, but after the runs just claimed have
 * started and other replicas (woken by the same notification) have had their turn at the queue,
 * so a burst spreads over the replicas instead of filling the first one's free slots.
 */
const CLAIM_BATCH = 8;

/** A scheduled job's shape (scheduled/scheduler.ts: ScheduledJob), run here on the claim loop's timer. */
export interface HousekeepingJob {
  name: string;
  run(at: Date): Promise<Record<string, unknown> | undefined>;
}

export interface SupervisorDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Kubeconfig per task cluster (`default` = the configured one). */
  kubeConfigFor(cluster: string): KubeConfig;
  sinks: RunSink[];
  /** LISTEN/NOTIFY: wakes on new, resumed and taken-over runs and on cancellations. */
  listen?: StoreHandle['listen'];
  owner?: string;
  /**
   * Jobs this supervisor runs itself before claiming, at most twice per lease: lease reaping and
   * proposal expiry where no scheduler runs them (the CLI). The same jobs `claw serve` schedules
   * once per slot across replicas (scheduled/scheduled-jobs.ts: housekeepingJobs); none by default.
   */
  housekeeping?: readonly HousekeepingJob[];
  /** How often to look for claimable runs when no notification arrives (retries, missed NOTIFYs). */
  pollMs?: number;
  verifyTimeoutMs?: number;
  /** The helm binary the executor runs for `helm_rollback` (default: `helm` on PATH). */
  helm?: string;
  metrics?: Metrics;
}

/**
 * Owns each run's lifecycle: claims queued runs from Postgres (surfaces only insert them) up to
 * this process's free slots and the global, per-cluster and per-channel limits, runs each as an
 * attempt (see run-attempt.ts), re-queues runs whose process died, and stops runs on cancellation.
 * Any replica can run any run.
 */
export class Supervisor {
  readonly owner: string;
  readonly breakers: CircuitBreakers;
  private readonly deps: SupervisorDeps;
  private readonly active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly workers = new Map<string, Worker>();
  private readonly readers = new Map<string, KubeReader>();
  private timer: NodeJS.Timeout | undefined;
  private claiming = false;
  /** The claim in progress: stop() waits for it, so no run starts after the store is closed. */
  private filling: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = true;
  private lastHousekeeping = 0;
  private unlisten: (() => Promise<void>)[] = [];

  constructor(deps: SupervisorDeps) {
    this.deps = deps;
    this.owner = deps.owner ?? `${hostname()}:${process.pid}`;
    this.breakers = new CircuitBreakers(deps.config.models.breaker);
  }

  /** Adds a sink for runs processed from now on (surfaces that come up after the supervisor). */
  addSink(sink: RunSink): void {
    this.deps.sinks.push(sink);
  }

  /** Runs in progress in this process. */
  get running(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.deps.listen) {
      this.unlisten.push(await this.deps.listen(RUNS_CHANNEL, () => this.wake()));
      this.unlisten.push(await this.deps.listen(CANCEL_CHANNEL, (id) => this.cancel(id)));
    }
    this.schedule(0);
  }

  /**
   * Stops claiming; resolves when the runs in progress have finished. With `graceMs`, runs still
   * going after it are handed back to the queue (checkpoint kept) for another replica to continue
   * at once, instead of holding a terminating process open or waiting out their leases.
   */
  async stop(graceMs?: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.unlisten.splice(0).map((u) => u().catch(() => {})));
    await this.filling;
    const all = Promise.all([...this.active.values()].map((a) => a.done));
    if (graceMs !== undefined && this.active.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      for (const a of this.active.values()) a.abort.abort(new RunStopped('shutdown', 'this process is shutting down'));
    }
    await all;
  }

  /** Claim now instead of at the next poll (a notification, a freed slot). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) this.again = true;
    else this.schedule(0);
  }

  /** Stops a run this process is running (its lease row also carries the request for other replicas). */
  cancel(runId: string): boolean {
    const a = this.active.get(runId);
    if (!a) return false;
    a.abort.abort(new RunStopped('cancelled', 'cancelled on request'));
    return true;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = withoutLogContext(() =>
      setTimeout(() => {
        this.filling = this.fill();
      }, ms),
    );
    this.timer.unref();
  }

  /** Claims runs for its free slots, a batch at a time, and starts them; never waits for one to finish. */
  private async fill(): Promise<void> {
    if (this.claiming || this.stopped) return;
    this.claiming = true;
    let more = false;
    try {
      await this.housekeepIfDue();
      const c = this.deps.config.runs.concurrency;
      const max = Math.min(c.perProcess - this.active.size, CLAIM_BATCH);
      const runs = await claimRuns(this.deps.db, this.owner, this.deps.config.runs.leaseSeconds, {
        max,
        global: c.global,
        perCluster: c.perCluster,
        perChannel: c.perChannel,
      });
      for (const run of runs) this.launch(run);
      more = max > 0 && runs.length === max;
    } catch (err) {
      this.deps.logger.error({ err }, 'claiming runs failed');
    } finally {
      this.claiming = false;
      const now = more || this.again;
      this.again = false;
      if (!this.stopped) this.schedule(now ? 0 : (this.deps.pollMs ?? 1000));
    }
  }

  private launch(run: Run): Promise<void> {
    const abort = new AbortController();
    const done = withLogContext({ runId: run.id, taskId: run.task_id, attempt: run.attempt }, () =>
      runAttempt(this.attemptDeps(), run, abort),
    )
      .then((outcome) => {
        if (outcome.retryAt)
          setTimeout(() => this.wake(), Math.max(0, outcome.retryAt.getTime() - Date.now()) + 10).unref();
      })
      .catch((err) => this.deps.logger.error({ err, runId: run.id }, 'run attempt crashed'))
      .finally(() => {
        this.active.delete(run.id);
        this.wake();
      });
    this.active.set(run.id, { abort, done });
    return done;
  }

  /**
   * Claims one run (`only` that one, when given) and processes it to rest; false when there was
   * none. The CLI drives its own run this way, leaving the rest of the queue alone.
   */
  async runOnce(only?: string): Promise<boolean> {
    await this.housekeepIfDue();
    const [run] = await claimRuns(this.deps.db, this.owner, this.deps.config.runs.leaseSeconds, { ...NO_LIMITS, only });
    if (!run) return false;
    await this.launch(run);
    return true;
  }

  /** The housekeeping jobs, when due: where no scheduler runs them, the claim loop is their trigger. */
  private async housekeepIfDue(): Promise<void> {
    const jobs = this.deps.housekeeping ?? [];
    const every = (this.deps.config.runs.leaseSeconds * 1000) / 2;
    if (!jobs.length || Date.now() - this.lastHousekeeping < every) return;
    this.lastHousekeeping = Date.now();
    for (const job of jobs) {
      const did = await job.run(new Date());
      if (did) this.deps.logger.info({ job: job.name, ...did }, 'housekeeping');
    }
  }

  private attemptDeps(): AttemptDeps {
    const { db, config, logger, kubeConfigFor, sinks, verifyTimeoutMs, helm, metrics } = this.deps;
    const readerFor = (cluster: string) => {
      const cached = this.readers.get(cluster);
      if (cached) return cached;
      const reader = new KubeReader(abortable(kubeConfigFor(cluster)));
      this.readers.set(cluster, reader);
      return reader;
    };
    return {
      db,
      config,
      logger,
      kubeConfigFor,
      sinks,
      verifyTimeoutMs,
      helm,
      metrics,
      owner: this.owner,
      breakers: this.breakers,
      readerFor,
      workerChain: (task) => workerChain(task, config, this.workers),
    };
  }
}
