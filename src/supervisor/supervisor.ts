import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { executeProposal } from '../approvals/execute.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';
import type { Db } from '../store/db.ts';
import { getProposal } from '../store/proposals.ts';
import { claimRun, finishRun, renewLease, requeueExpired, resumeRun } from '../store/runs.ts';
import type { Run } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import { workerChain } from '../workers/router.ts';
import type { Worker, WorkerResult } from '../workers/worker.ts';
import { ModelUnavailable } from '../models/model.ts';
import { EventPump } from './event-pump.ts';
import type { RunSink } from './run-sink.ts';
import { workerContext } from './worker-context.ts';

export interface SupervisorDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Kubeconfig per task cluster (`default` = the configured one). */
  kubeConfigFor(cluster: string): KubeConfig;
  sinks: RunSink[];
  owner?: string;
  leaseSeconds?: number;
  pollMs?: number;
  maxSteps?: number;
  verifyTimeoutMs?: number;
}

class RunTimeout extends Error {}

/**
 * Owns each run's lifecycle: claims queued runs from Postgres (surfaces only insert them),
 * executes approved proposals, runs the worker under a lease, a step budget and a hard timeout,
 * streams its events, and records a terminal (or awaiting_approval) status.
 */
export class Supervisor {
  readonly owner: string;
  private readonly deps: SupervisorDeps;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private active: Promise<void> = Promise.resolve();
  private wakeRequested = false;
  private lastReap = 0;

  constructor(deps: SupervisorDeps) {
    this.deps = deps;
    this.owner = deps.owner ?? `${hostname()}:${process.pid}`;
  }

  /** Adds a sink for runs processed from now on (surfaces that come up after the supervisor). */
  addSink(sink: RunSink): void {
    this.deps.sinks.push(sink);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; resolves when the run in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.active;
  }

  /** Claim now instead of at the next poll (in-process notification from createTask). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.wakeRequested = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let worked = false;
    try {
      const run = this.active.then(() => this.runOnce());
      this.active = run.then(() => undefined, () => undefined);
      worked = await run;
    } catch (err) {
      this.deps.logger.error({ err }, 'supervisor loop failed');
    } finally {
      this.running = false;
      const again = worked || this.wakeRequested;
      this.wakeRequested = false;
      if (!this.stopped) this.schedule(again ? 0 : (this.deps.pollMs ?? 500));
    }
  }

  /** Claims and processes one queued run; false when there was none. */
  async runOnce(): Promise<boolean> {
    if (Date.now() - this.lastReap > 15_000) {
      // Runs whose supervisor died (lease expired) go back to the queue and resume from checkpoint.
      this.lastReap = Date.now();
      const n = await requeueExpired(this.deps.db);
      if (n) this.deps.logger.warn({ requeued: n }, 'took over runs with expired leases');
    }
    const run = await claimRun(this.deps.db, this.owner, this.deps.leaseSeconds ?? 60);
    if (!run) return false;
    await this.process(run);
    return true;
  }

  private async process(run: Run): Promise<void> {
    const { db, config, logger } = this.deps;
    const log = logger.child({ runId: run.id, taskId: run.task_id });
    const task = (await getTask(db, run.task_id))!;
    const pump = new EventPump({ db, task, run, sinks: this.deps.sinks, logger: log });
    const lease = setInterval(() => void renewLease(db, run.id, this.owner, this.deps.leaseSeconds ?? 60), ((this.deps.leaseSeconds ?? 60) * 1000) / 3);
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(new RunTimeout(`run exceeded its ${run.timeout_seconds}s timeout`)), run.timeout_seconds * 1000);
    const counter = { steps: run.steps };
    const chain = chainFor(run, workerChain(task, config));
    let worker = chain[0]!;
    let result: WorkerResult;
    try {
      await this.settleProposal(run, pump);
      const reader = new KubeReader(this.deps.kubeConfigFor(task.cluster));
      const ctx = workerContext({ db, config, reader, task, run, pump, signal: abort.signal, maxSteps: this.deps.maxSteps ?? 40, counter });
      const aborted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }));
      for (let i = 0; ; i++) {
        worker = chain[i]!;
        try {
          result = await Promise.race([worker.run(ctx), aborted]);
          break;
        } catch (err) {
          // A model that is down, overloaded or rate-limited hands a fresh run to the next worker in the chain.
          const next = chain[i + 1];
          if (!(err instanceof ModelUnavailable) || !err.retryable || !next || abort.signal.aborted) throw err;
          log.warn({ err: err.message, worker: worker.id, next: next.id }, 'worker unavailable; falling back');
          pump.push({ type: 'step', data: { message: `${worker.id} is unavailable (${err.message}); falling back to ${next.id}` } });
        }
      }
    } catch (err) {
      log.warn({ err }, 'run failed');
      const message = err instanceof RunTimeout ? err.message : `worker error: ${(err as Error).message}`;
      pump.push({ type: 'error', data: { message } });
      result = { status: 'failed', summary: message };
    } finally {
      clearTimeout(timeout);
      clearInterval(lease);
    }
    if (result.status !== 'awaiting_approval') pump.push({ type: 'final', data: { status: result.status, summary: result.summary } });
    await pump.flush();
    const checkpoint = result.status === 'awaiting_approval' ? result.checkpoint : null;
    const ok = await finishRun(db, run.id, this.owner, { status: result.status, summary: result.summary, checkpoint, worker: worker.id, steps: counter.steps, error: result.status === 'failed' ? result.summary : null });
    if (!ok) log.warn('lease lost before the run finished; another supervisor owns it now');
    if (result.status === 'awaiting_approval') {
      // A decision may have landed while this run was still `running`: resume it ourselves.
      const p = await getProposal(db, (checkpoint as { proposalId: string }).proposalId);
      if (p && p.status !== 'pending') await resumeRun(db, run.id);
    }
    log.info({ status: result.status, worker: worker.id, steps: counter.steps }, 'run finished');
  }

  /** On resume: an approved proposal is executed (once, whoever wins), then the worker continues. */
  private async settleProposal(run: Run, pump: EventPump): Promise<void> {
    const proposalId = (run.checkpoint as { proposalId?: string } | null)?.proposalId;
    if (!proposalId) return;
    const p = await getProposal(this.deps.db, proposalId);
    if (!p) return;
    if (p.status === 'approved') {
      pump.push({ type: 'step', data: { message: `Executing approved proposal ${p.id} (${p.action})` } });
      const res = await executeProposal({ db: this.deps.db, kubeConfigFor: this.deps.kubeConfigFor, verifyTimeoutMs: this.deps.verifyTimeoutMs }, p.id, `supervisor:${this.owner}`);
      if (res.executed) pump.push({ type: 'execution', data: { proposalId: p.id, ...res.outcome } });
    } else if (p.status === 'executed' || p.status === 'failed') {
      const o = (p.outcome ?? {}) as { applied?: boolean; verified?: boolean; message?: string };
      pump.push({ type: 'execution', data: { proposalId: p.id, applied: Boolean(o.applied), verified: Boolean(o.verified), message: o.message ?? '' } });
    } else {
      pump.push({ type: 'decision', data: { proposalId: p.id, status: p.status, message: `proposal ${p.id} was ${p.status}` } });
    }
  }
}

/**
 * The workers a run may use: a run paused mid-conversation resumes on the worker that started it
 * (its checkpoint is that worker's transcript), so only a fresh run can fall back along the chain.
 */
function chainFor(run: Run, chain: Worker[]): Worker[] {
  if (!run.checkpoint || !run.worker) return chain;
  const same = chain.find((w) => w.id === run.worker);
  return same ? [same] : chain.slice(-1);
}
