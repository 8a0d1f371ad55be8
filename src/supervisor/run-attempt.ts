import { getProposal } from '../store/proposals.ts';
import { deferRun, releaseRun, scheduleRetry } from '../store/run-requeue.ts';
import { finishRun, getRun, resumeRun } from '../store/runs.ts';
import type { Run } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import type { WorkerResult } from '../workers/worker.ts';
import { Attempt } from './attempt.ts';
import { failureToRetry, RunStopped, terminalFailure } from './attempt-failure.ts';
import type { AttemptDeps, AttemptOutcome } from './attempt-types.ts';
import { backoffMs, checkpointPortable, orderWorkers } from './retry-policy.ts';

export { RunStopped } from './attempt-failure.ts';
export type { AttemptDeps, AttemptOutcome } from './attempt-types.ts';

/**
 * One attempt at a run, start to rest: settle the proposal it paused on, run workers in order
 * (falling back when a model is unavailable), watch for stalls (nudge, then kill), hold the lease,
 * enforce the hard timeout and cancellation, meter usage (attempt.ts), then record the outcome — a
 * resting status, or a retry with back-off on the next worker in the chain.
 */
export async function runAttempt(deps: AttemptDeps, run: Run, abort: AbortController): Promise<AttemptOutcome> {
  const task = (await getTask(deps.db, run.task_id))!;
  const attempt = new Attempt(deps, run, task, abort);
  const end = await attempt.work();
  if (end.result?.status === 'waiting') return defer(attempt, end.result);
  if (end.result) return finish(attempt, end.result);
  const failure = end.failure;
  if (failure instanceof RunStopped && failure.kind === 'shutdown') return release(attempt, failure);
  if (failure instanceof RunStopped && failure.kind === 'lease_lost') {
    deps.logger.warn('lease lost; another supervisor owns the run now');
    await attempt.pump.flush().catch(() => {});
    return { status: 'lost' };
  }
  const reason = failureToRetry(failure, run, deps.config.runs.maxAttempts);
  if (reason) return retry(attempt, failure, reason);
  const latest = failure instanceof RunStopped && failure.kind === 'cancelled' ? await getRun(deps.db, run.id) : run;
  const result = terminalFailure(failure, latest ?? run, deps.config.runs.maxAttempts);
  if (result.status === 'failed') attempt.pump.push({ type: 'error', data: { message: result.summary } });
  deps.logger.warn({ err: failure }, 'run ended without a result');
  return finish(attempt, result);
}

/**
 * Handed back, not failed: the saved checkpoint (a model's transcript after its last turn) stays,
 * so another replica continues at once; what the thread was shown stays shown.
 */
async function release(a: Attempt, failure: RunStopped): Promise<AttemptOutcome> {
  const { db, owner, logger, metrics } = a.deps;
  a.note(a.worker.id, 'released', failure.message);
  await a.pump.flush().catch(() => {});
  const ok = await releaseRun(db, a.run.id, owner, a.usage());
  metrics?.runs.inc({ status: 'released', worker: a.worker.id });
  logger.info({ released: ok }, 'run handed back to the queue: this process is stopping');
  return { status: 'released' };
}

/** Back to the queue after a back-off, for the next healthy worker (with the checkpoint, when it can resume it). */
async function retry(a: Attempt, failure: unknown, reason: string): Promise<AttemptOutcome> {
  const { db, owner, logger, metrics, breakers, config } = a.deps;
  const limits = config.runs;
  a.note(a.worker.id, failure instanceof RunStopped ? 'stalled' : 'error', reason);
  const next = orderWorkers(a.deps.workerChain(a.task), { worker: null, history: a.history }, (id) =>
    breakers.allow(id),
  )[0]!;
  const delay = backoffMs(a.run.attempt, limits.retryBackoff);
  const notBefore = new Date(Date.now() + delay);
  a.pump.push({
    type: 'step',
    data: {
      message: `Attempt ${a.run.attempt} of ${limits.maxAttempts} failed (${reason}); retrying on ${next.id} in ${(delay / 1000).toFixed(1)}s`,
    },
  });
  await a.pump.flush();
  const keep = checkpointPortable(a.holder, next.id) ? a.checkpoint : null;
  const ok = await scheduleRetry(db, a.run.id, owner, {
    notBefore,
    worker: keep ? next.id : null,
    checkpoint: keep,
    ...a.usage(),
  });
  if (!ok) logger.warn('lease lost before the retry was scheduled');
  metrics?.runs.inc({ status: 'retry', worker: a.worker.id });
  logger.warn({ reason, next: next.id, delayMs: delay }, 'run attempt failed; retrying');
  return { status: 'retry', retryAt: notBefore };
}

/**
 * Waiting on something outside ClusterClaw: back to the queue until then, holding nothing. A run
 * that keeps waiting records the wait once in its history, not once per look.
 */
async function defer(a: Attempt, result: Extract<WorkerResult, { status: 'waiting' }>): Promise<AttemptOutcome> {
  const { db, owner, logger, metrics } = a.deps;
  const before = a.history.at(-2);
  if (before?.outcome === 'finished' && before.reason === 'waiting' && a.history.at(-1)?.outcome === 'started')
    a.history.pop();
  else a.note(a.worker.id, 'finished', 'waiting');
  await a.pump.flush();
  const ok = await deferRun(db, a.run.id, owner, {
    notBefore: result.until,
    worker: a.worker.id,
    checkpoint: result.checkpoint,
    summary: result.summary,
    ...a.usage(),
  });
  if (!ok) logger.warn('lease lost before the run was deferred; another supervisor owns it now');
  metrics?.runs.inc({ status: 'deferred', worker: a.worker.id });
  return { status: 'deferred', retryAt: result.until };
}

/** A resting status: done (succeeded, failed, escalated, cancelled) or paused on a proposal. */
async function finish(a: Attempt, result: Exclude<WorkerResult, { status: 'waiting' }>): Promise<AttemptOutcome> {
  const { db, owner, logger, metrics } = a.deps;
  a.note(a.worker.id, 'finished', result.status);
  if (result.status !== 'awaiting_approval')
    a.pump.push({ type: 'final', data: { status: result.status, summary: result.summary } });
  await a.pump.flush();
  const resting = result.status === 'awaiting_approval' ? result.checkpoint : null;
  const ok = await finishRun(db, a.run.id, owner, {
    status: result.status,
    summary: result.summary,
    checkpoint: resting,
    worker: a.worker.id,
    error: result.status === 'failed' ? result.summary : null,
    ...a.usage(),
  });
  if (!ok) logger.warn('lease lost before the run finished; another supervisor owns it now');
  if (resting?.proposalId) {
    // A decision may have landed while this run was still `running`: resume it ourselves.
    const p = await getProposal(db, resting.proposalId);
    if (p && p.status !== 'pending') await resumeRun(db, a.run.id);
  }
  metrics?.runs.inc({ status: result.status, worker: a.worker.id });
  logger.info(
    {
      status: result.status,
      worker: a.worker.id,
      steps: a.meter.steps,
      inputTokens: a.meter.inputTokens,
      outputTokens: a.meter.outputTokens,
    },
    'run finished',
  );
  return { status: result.status };
}
