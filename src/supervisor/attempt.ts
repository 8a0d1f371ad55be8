import { withRequestSignal } from '../cluster/request-signal.ts';
import { ModelUnavailable } from '../domain/errors.ts';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import { renewLease } from '../store/run-queue.ts';
import { saveProgress } from '../store/runs.ts';
import type { Run, RunHistoryEntry, Task } from '../store/schema.ts';
import { Nudge, type Worker, type WorkerContext, WorkerDeclined, type WorkerResult } from '../workers/worker.ts';
import { RunStopped } from './attempt-failure.ts';
import type { AttemptDeps } from './attempt-types.ts';
import { EventPump } from './event-pump.ts';
import { LoopDetector } from './loop-detector.ts';
import { nudgeContext } from './nudge-context.ts';
import { checkpointPortable, orderWorkers } from './retry-policy.ts';
import { settleProposal } from './settle-proposal.ts';
import { StallWatchdog } from './stall-watchdog.ts';
import { UsageMeter } from './usage-meter.ts';
import { type AttemptHooks, workerContext } from './worker-context.ts';

/** How the work of an attempt ended: a worker's result, or why there is none. */
export type AttemptEnd = { result: WorkerResult; failure?: undefined } | { result?: undefined; failure: unknown };

/**
 * One attempt's state, in one place: the worker chain and which worker holds the run, the
 * checkpoint, the history it adds to, the stall watchdog, the usage meter and the event pump.
 * `work()` runs the attempt; run-attempt.ts records how it ended.
 */
export class Attempt {
  readonly deps: AttemptDeps;
  readonly run: Run;
  readonly task: Task;
  readonly abort: AbortController;
  readonly pump: EventPump;
  readonly meter: UsageMeter;
  readonly watchdog: StallWatchdog;
  readonly history: RunHistoryEntry[];
  /** The workers in the order this attempt tries them, and those skipped for an open circuit. */
  readonly chain: Worker[];
  readonly open: string[];
  /** The worker at work (the last one tried, once the attempt has ended). */
  worker: Worker;
  /** What the run would resume from, and which worker wrote it. */
  checkpoint: RunCheckpoint | undefined;
  holder: string | null;
  private ctx: WorkerContext;
  /** The current model turn: a nudge aborts it so the worker tries the turn again with more context. */
  private turn = new AbortController();

  constructor(deps: AttemptDeps, run: Run, task: Task, abort: AbortController) {
    this.deps = deps;
    this.run = run;
    this.task = task;
    this.abort = abort;
    const limits = deps.config.runs;
    this.watchdog = new StallWatchdog({
      stallMs: limits.stall.seconds * 1000,
      maxNudges: limits.stall.maxNudges,
      onNudge: (n, idle, loop) => void this.nudge(n, Math.round(idle / 1000), loop),
      onKill: (idle, loop) =>
        this.stop(
          new RunStopped(
            'stalled',
            loop
              ? `still looping after ${limits.stall.maxNudges} nudges: ${loop}`
              : `no progress for ${Math.round(idle / 1000)}s after ${limits.stall.maxNudges} nudges`,
          ),
        ),
    });
    const loops = new LoopDetector();
    this.pump = new EventPump({
      db: deps.db,
      task,
      run,
      sinks: deps.sinks,
      logger: deps.logger,
      onPush: (e) => {
        this.watchdog.activity();
        const loop = loops.see(e);
        if (loop) this.watchdog.loop(loop);
      },
    });
    this.meter = new UsageMeter(run, limits.budget);
    this.history = [...(run.history ?? [])];
    this.checkpoint = run.checkpoint ?? undefined;
    this.holder = run.worker;
    const routed = deps.workerChain(task);
    this.open = routed.filter((w) => !deps.breakers.allow(w.id)).map((w) => w.id);
    this.chain = orderWorkers(routed, run, (id) => !this.open.includes(id));
    this.worker = this.chain[0]!;
    this.ctx = this.contextFor(this.worker, run);
  }

  note(worker: string, outcome: RunHistoryEntry['outcome'], reason?: string): void {
    this.history.push({
      attempt: this.run.attempt,
      worker,
      at: new Date().toISOString(),
      outcome,
      ...(reason ? { reason } : {}),
    });
  }

  /** Usage and history as the run's row records them. */
  usage() {
    return { ...this.meter.columns(), history: this.history, nudges: this.run.nudges + this.watchdog.nudgeCount };
  }

  /** Runs the attempt under its guards (lease heartbeat, hard timeout, stall watchdog). */
  async work(): Promise<AttemptEnd> {
    const { db, owner, logger } = this.deps;
    const limits = this.deps.config.runs;
    const heartbeat = setInterval(
      () => {
        renewLease(db, this.run.id, owner, limits.leaseSeconds).then(
          (lease) => {
            if (!lease.held) this.stop(new RunStopped('lease_lost', 'the lease was lost to another supervisor'));
            else if (lease.cancelRequested) this.stop(new RunStopped('cancelled', 'cancelled on request'));
          },
          (err) => logger.warn({ err }, 'lease renewal failed'),
        );
      },
      (limits.leaseSeconds * 1000) / 3,
    );
    const timeout = setTimeout(
      () => this.stop(new RunStopped('timeout', `run exceeded its ${this.run.timeout_seconds}s timeout`)),
      this.run.timeout_seconds * 1000,
    );
    const aborted = new Promise<never>((_, reject) =>
      this.abort.signal.addEventListener('abort', () => reject(this.abort.signal.reason), { once: true }),
    );
    aborted.catch(() => {});
    try {
      await this.settle(aborted);
      return { result: await this.runChain(aborted) };
    } catch (err) {
      return { failure: this.abort.signal.aborted ? this.abort.signal.reason : err };
    } finally {
      clearTimeout(timeout);
      clearInterval(heartbeat);
      this.watchdog.stop();
    }
  }

  private stop(e: RunStopped): void {
    if (!this.abort.signal.aborted) this.abort.abort(e);
  }

  /** The proposal the run paused on, first. A shutdown lets an execution in progress finish (verification bounds it). */
  private async settle(aborted: Promise<never>): Promise<void> {
    const settling = settleProposal(this.deps, this.run, this.pump, `supervisor:${this.deps.owner}`);
    await Promise.race([
      settling,
      aborted.catch((e) =>
        e instanceof RunStopped && e.kind === 'shutdown' ? settling.then(() => Promise.reject(e)) : Promise.reject(e),
      ),
    ]);
  }

  /** Each worker in order until one gives a result; a decline or an unavailable model hands over to the next. */
  private async runChain(aborted: Promise<never>): Promise<WorkerResult> {
    if (this.open.length)
      this.pump.push({
        type: 'step',
        data: {
          message: `Skipping ${this.open.join(', ')}: circuit open after repeated failures; using ${this.chain[0]!.id}`,
        },
      });
    for (let i = 0; ; i++) {
      const worker = this.chain[i]!;
      this.worker = worker;
      const cp = checkpointPortable(this.holder, worker.id) ? this.checkpoint : undefined;
      this.ctx = this.contextFor(worker, { ...this.run, checkpoint: cp ?? null });
      this.note(worker.id, 'started', this.whyStarted(i, worker, cp));
      try {
        // The worker's cluster reads carry the attempt's signal: a kill tears them down.
        const ctx = this.ctx;
        const result = await Promise.race([withRequestSignal(this.abort.signal, () => worker.run(ctx)), aborted]);
        this.deps.breakers.success(worker.id);
        return result;
      } catch (err) {
        const next = this.chain[i + 1];
        if (err instanceof WorkerDeclined && next && !this.abort.signal.aborted) {
          this.note(worker.id, 'declined', err.message);
          this.pump.push({ type: 'step', data: { message: `${worker.id} hands over to ${next.id}: ${err.message}` } });
          continue;
        }
        if (!(err instanceof ModelUnavailable) || this.abort.signal.aborted) throw err;
        this.deps.breakers.failure(worker.id);
        this.note(worker.id, 'unavailable', err.message);
        if (!err.retryable || !next) throw err;
        this.deps.logger.warn(
          { err: err.message, worker: worker.id, next: next.id },
          'worker unavailable; falling back',
        );
        this.pump.push({
          type: 'step',
          data: { message: `${worker.id} is unavailable (${err.message}); falling back to ${next.id}` },
        });
      }
    }
  }

  private whyStarted(i: number, worker: Worker, cp: RunCheckpoint | undefined): string {
    if (i > 0) return 'fallback';
    return this.run.worker === worker.id && cp
      ? 'resuming its checkpoint'
      : `first healthy worker for ${this.task.kind}`;
  }

  private contextFor(worker: Worker, run: Run): WorkerContext {
    const { db, config, metrics } = this.deps;
    return workerContext({
      db,
      config,
      // Made when first used: a change task on a repository may never read a cluster, and needs no kubeconfig then.
      reader: lazily(() => this.deps.readerFor(this.task.cluster)),
      task: this.task,
      run,
      pump: this.pump,
      hooks: this.hooks(),
      model: config.models.registry[worker.id],
      workerId: worker.id,
      metrics,
      workerChain: this.deps.workerChain,
    });
  }

  private hooks(): AttemptHooks {
    return {
      signal: this.abort.signal,
      meter: this.meter,
      activity: () => this.watchdog.activity(),
      turnSignal: () => {
        this.turn = new AbortController();
        return AbortSignal.any([this.abort.signal, this.turn.signal]);
      },
      saveProgress: async (cp) => {
        // Events first: a checkpoint must never be ahead of what the thread shows.
        await this.pump.flush();
        this.checkpoint = cp;
        this.holder = this.worker.id;
        await saveProgress(this.deps.db, this.run.id, this.deps.owner, {
          checkpoint: cp,
          worker: this.worker.id,
          ...this.meter.columns(),
          history: this.history,
          nudges: this.run.nudges + this.watchdog.nudgeCount,
        });
      },
    };
  }

  private async nudge(n: number, idleSeconds: number, loop?: string): Promise<void> {
    const why = loop ? `Going in circles: ${loop}` : `No progress for ${idleSeconds}s`;
    this.pump.push({
      type: 'step',
      data: {
        message: `${why}: nudging ${this.worker.id} with the task, its steps so far and ${this.task.kind === 'change' ? 'what it must achieve' : "the analyzers' findings"} (${n} of ${this.deps.config.runs.stall.maxNudges})`,
      },
    });
    const text = await nudgeContext(this.task, this.pump.history, this.ctx.tools, why).catch(
      (e) => `${why} (${(e as Error).message}).`,
    );
    this.turn.abort(new Nudge(text));
  }
}

/** An object made on first use: its methods and fields are the made object's. */
function lazily<T extends object>(make: () => T): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get(_, key) {
      made ??= make();
      const value = Reflect.get(made, key);
      return typeof value === 'function' ? value.bind(made) : value;
    },
  });
}
