import { withRequestSignal } from '../cluster/request-signal.ts';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import { ModelUnavailable } from '../models/model.ts';
import { getProposal } from '../store/proposals.ts';
import { renewLease } from '../store/run-queue.ts';
import { finishRun, getRun, releaseRun, resumeRun, saveProgress, scheduleRetry } from '../store/runs.ts';
import type { Run, RunHistoryEntry } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import { Nudge, WorkerDeclined, type WorkerResult } from '../workers/worker.ts';
import { failureToRetry, RunStopped, terminalFailure } from './attempt-failure.ts';
import { EventPump } from './event-pump.ts';
import { nudgeContext } from './nudge-context.ts';
import { backoffMs, checkpointPortable, orderWorkers } from './retry-policy.ts';
import { settleProposal } from './settle-proposal.ts';
import { StallWatchdog } from './stall-watchdog.ts';
import { UsageMeter } from './usage-meter.ts';
import { type AttemptHooks, workerContext } from './worker-context.ts';

export { RunStopped } from './attempt-failure.ts';
export type { AttemptDeps, AttemptOutcome } from './attempt-types.ts';

import type { AttemptDeps, AttemptOutcome } from './attempt-types.ts';

/**
 * One attempt at a run, start to rest: settle the proposal it paused on, run workers in order
 * (falling back when a model is unavailable), watch for stalls (nudge, then kill), hold the lease,
 * enforce the hard timeout and cancellation, meter usage, then record the outcome — a resting
 * status, or a retry with back-off on the next worker in the chain.
 */
export async function runAttempt(deps: AttemptDeps, run: Run, abort: AbortController): Promise<AttemptOutcome> {
  const { db, config, owner } = deps;
  const limits = config.runs;
  // runId, taskId and attempt are on every line through the log context the supervisor sets.
  const log = deps.logger;
  const task = (await getTask(db, run.task_id))!;
  const stop = (e: RunStopped) => !abort.signal.aborted && abort.abort(e);
  let turn = new AbortController();
  const watchdog = new StallWatchdog({
    stallMs: limits.stall.seconds * 1000,
    maxNudges: limits.stall.maxNudges,
    onNudge: (n, idle) => void nudge(n, Math.round(idle / 1000)),
    onKill: (idle) =>
      stop(
        new RunStopped('stalled', `no progress for ${Math.round(idle / 1000)}s after ${limits.stall.maxNudges} nudges`),
      ),
  });
  const pump = new EventPump({ db, task, run, sinks: deps.sinks, logger: log, onPush: () => watchdog.activity() });
  const meter = new UsageMeter(run, limits.budget);
  const history: RunHistoryEntry[] = [...(run.history ?? [])];
  const note = (worker: string, outcome: RunHistoryEntry['outcome'], reason?: string) =>
    history.push({
      attempt: run.attempt,
      worker,
      at: new Date().toISOString(),
      outcome,
      ...(reason ? { reason } : {}),
    });
  let checkpoint: RunCheckpoint | undefined = run.checkpoint ?? undefined;
  let holder = run.worker;
  const reader = deps.readerFor(task.cluster);
  const hooks: AttemptHooks = {
    signal: abort.signal,
    meter,
    activity: () => watchdog.activity(),
    turnSignal: () => {
      turn = new AbortController();
      return AbortSignal.any([abort.signal, turn.signal]);
    },
    async saveProgress(cp) {
      // Events first: a checkpoint must never be ahead of what the thread shows.
      await pump.flush();
      checkpoint = cp;
      holder = worker.id;
      await saveProgress(db, run.id, owner, {
        checkpoint: cp,
        worker: worker.id,
        ...meter.columns(),
        history,
        nudges: run.nudges + watchdog.nudgeCount,
      });
    },
  };
  async function nudge(n: number, idleSeconds: number): Promise<void> {
    pump.push({
      type: 'step',
      data: {
        message: `No progress for ${idleSeconds}s: nudging ${worker.id} with the task, its steps so far and the analyzers' findings (${n} of ${limits.stall.maxNudges})`,
      },
    });
    const text = await nudgeContext(task, pump.history, ctx.tools, idleSeconds).catch(
      (e) => `No progress for ${idleSeconds}s (${(e as Error).message}).`,
    );
    turn.abort(new Nudge(text));
  }
  const heartbeat = setInterval(
    () => {
      renewLease(db, run.id, owner, limits.leaseSeconds).then(
        (lease) => {
          if (!lease.held) stop(new RunStopped('lease_lost', 'the lease was lost to another supervisor'));
          else if (lease.cancelRequested) stop(new RunStopped('cancelled', 'cancelled on request'));
        },
        (err) => log.warn({ err }, 'lease renewal failed'),
      );
    },
    (limits.leaseSeconds * 1000) / 3,
  );
  const timeout = setTimeout(
    () => stop(new RunStopped('timeout', `run exceeded its ${run.timeout_seconds}s timeout`)),
    run.timeout_seconds * 1000,
  );
  const aborted = new Promise<never>((_, reject) =>
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
  );
  aborted.catch(() => {});
  const routed = deps.workerChain(task);
  const open = routed.filter((w) => !deps.breakers.allow(w.id)).map((w) => w.id);
  const chain = orderWorkers(routed, run, (id) => !open.includes(id));
  let worker = chain[0]!;
  let ctx = workerContext({
    db,
    config,
    reader,
    task,
    run,
    pump,
    hooks,
    model: config.models.registry[worker.id],
    workerId: worker.id,
    metrics: deps.metrics,
  });
  let result: WorkerResult | undefined;
  let failure: unknown;
  try {
    // A shutdown lets an execution in progress finish (it is bounded by verification); anything else stops it.
    const settling = settleProposal(deps, run, pump, `supervisor:${owner}`);
    await Promise.race([
      settling,
      aborted.catch((e) =>
        e instanceof RunStopped && e.kind === 'shutdown' ? settling.then(() => Promise.reject(e)) : Promise.reject(e),
      ),
    ]);
    if (open.length)
      pump.push({
        type: 'step',
        data: { message: `Skipping ${open.join(', ')}: circuit open after repeated failures; using ${chain[0]!.id}` },
      });
    for (let i = 0; ; i++) {
      worker = chain[i]!;
      const cp = checkpointPortable(holder, worker.id) ? checkpoint : undefined;
      ctx = workerContext({
        db,
        config,
        reader,
        task,
        run: { ...run, checkpoint: cp ?? null },
        pump,
        hooks,
        model: config.models.registry[worker.id],
        workerId: worker.id,
        metrics: deps.metrics,
      });
      note(
        worker.id,
        'started',
        i === 0
          ? run.worker === worker.id && cp
            ? 'resuming its checkpoint'
            : `first healthy worker for ${task.kind}`
          : 'fallback',
      );
      try {
        // The worker's cluster reads carry the attempt's signal: a kill tears them down.
        result = await Promise.race([withRequestSignal(abort.signal, () => worker.run(ctx)), aborted]);
        deps.breakers.success(worker.id);
        break;
      } catch (err) {
        const next = chain[i + 1];
        if (err instanceof WorkerDeclined && next && !abort.signal.aborted) {
          note(worker.id, 'declined', err.message);
          pump.push({ type: 'step', data: { message: `${worker.id} hands over to ${next.id}: ${err.message}` } });
          continue;
        }
        if (!(err instanceof ModelUnavailable) || abort.signal.aborted) throw err;
        deps.breakers.failure(worker.id);
        note(worker.id, 'unavailable', err.message);
        if (!err.retryable || !next) throw err;
        log.warn({ err: err.message, worker: worker.id, next: next.id }, 'worker unavailable; falling back');
        pump.push({
          type: 'step',
          data: { message: `${worker.id} is unavailable (${err.message}); falling back to ${next.id}` },
        });
      }
    }
  } catch (err) {
    failure = abort.signal.aborted ? abort.signal.reason : err;
  } finally {
    clearTimeout(timeout);
    clearInterval(heartbeat);
    watchdog.stop();
  }
  const usage = { ...meter.columns(), history, nudges: run.nudges + watchdog.nudgeCount };

  if (failure instanceof RunStopped && failure.kind === 'shutdown') {
    // Handed back, not failed: the saved checkpoint (a model's transcript after its last turn)
    // stays, so another replica continues at once; what the thread was shown stays shown.
    note(worker.id, 'released', failure.message);
    await pump.flush().catch(() => {});
    const ok = await releaseRun(db, run.id, owner, {
      history,
      ...meter.columns(),
      nudges: run.nudges + watchdog.nudgeCount,
    });
    deps.metrics?.runs.inc({ status: 'released', worker: worker.id });
    log.info({ released: ok }, 'run handed back to the queue: this process is stopping');
    return { status: 'released' };
  }
  if (failure instanceof RunStopped && failure.kind === 'lease_lost') {
    log.warn('lease lost; another supervisor owns the run now');
    await pump.flush().catch(() => {});
    return { status: 'lost' };
  }
  if (!result) {
    const retry = failureToRetry(failure, run, limits.maxAttempts);
    if (retry) {
      note(worker.id, failure instanceof RunStopped ? 'stalled' : 'error', retry);
      const next = orderWorkers(deps.workerChain(task), { worker: null, history }, (id) => deps.breakers.allow(id))[0]!;
      const delay = backoffMs(run.attempt, limits.retryBackoff);
      const notBefore = new Date(Date.now() + delay);
      pump.push({
        type: 'step',
        data: {
          message: `Attempt ${run.attempt} of ${limits.maxAttempts} failed (${retry}); retrying on ${next.id} in ${(delay / 1000).toFixed(1)}s`,
        },
      });
      await pump.flush();
      const keep = checkpointPortable(holder, next.id) ? checkpoint : null;
      const ok = await scheduleRetry(db, run.id, owner, {
        notBefore,
        worker: keep ? next.id : null,
        checkpoint: keep,
        ...usage,
      });
      if (!ok) log.warn('lease lost before the retry was scheduled');
      deps.metrics?.runs.inc({ status: 'retry', worker: worker.id });
      log.warn({ reason: retry, next: next.id, delayMs: delay }, 'run attempt failed; retrying');
      return { status: 'retry', retryAt: notBefore };
    }
    const latest = failure instanceof RunStopped && failure.kind === 'cancelled' ? await getRun(db, run.id) : run;
    result = terminalFailure(failure, latest ?? run, limits.maxAttempts);
    if (result.status === 'failed') pump.push({ type: 'error', data: { message: result.summary } });
    log.warn({ err: failure }, 'run ended without a result');
  }
  note(worker.id, 'finished', result.status);
  if (result.status !== 'awaiting_approval')
    pump.push({ type: 'final', data: { status: result.status, summary: result.summary } });
  await pump.flush();
  const resting = result.status === 'awaiting_approval' ? result.checkpoint : null;
  const ok = await finishRun(db, run.id, owner, {
    status: result.status,
    summary: result.summary,
    checkpoint: resting,
    worker: worker.id,
    error: result.status === 'failed' ? result.summary : null,
    ...usage,
  });
  if (!ok) log.warn('lease lost before the run finished; another supervisor owns it now');
  if (result.status === 'awaiting_approval') {
    // A decision may have landed while this run was still `running`: resume it ourselves.
    const p = await getProposal(db, (resting as { proposalId: string }).proposalId);
    if (p && p.status !== 'pending') await resumeRun(db, run.id);
  }
  deps.metrics?.runs.inc({ status: result.status, worker: worker.id });
  log.info(
    {
      status: result.status,
      worker: worker.id,
      steps: meter.steps,
      inputTokens: meter.inputTokens,
      outputTokens: meter.outputTokens,
    },
    'run finished',
  );
  return { status: result.status };
}
