import type { Run } from '../store/schema.ts';
import { BudgetExhausted, type WorkerResult } from '../workers/worker.ts';

// How an attempt that failed ends: retried on the next worker, or a resting status that says why.

/** Why the supervisor stopped an attempt from outside the worker. */
export class RunStopped extends Error {
  /** `shutdown`: this process is stopping (SIGTERM); the run is handed back to the queue. */
  readonly kind: 'timeout' | 'cancelled' | 'stalled' | 'lease_lost' | 'shutdown';
  constructor(kind: RunStopped['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The reason to retry, or undefined when the failure is final (timeout, cancellation, budget, attempts spent). */
export function failureToRetry(failure: unknown, run: Run, maxAttempts: number): string | undefined {
  if (run.attempt >= maxAttempts) return undefined;
  if (failure instanceof RunStopped) return failure.kind === 'stalled' ? failure.message : undefined;
  if (failure instanceof BudgetExhausted) return undefined;
  return failure instanceof Error ? failure.message : String(failure);
}

export function terminalFailure(
  failure: unknown,
  run: Run,
  maxAttempts: number,
): Exclude<WorkerResult, { status: 'waiting' }> {
  if (failure instanceof RunStopped && failure.kind === 'cancelled')
    return { status: 'cancelled', summary: run.error ?? 'cancelled on request' };
  if (failure instanceof RunStopped && failure.kind === 'timeout')
    return { status: 'failed', summary: failure.message };
  if (failure instanceof BudgetExhausted)
    return {
      status: 'escalated',
      summary: `Stopped early: ${failure.message}. What was found so far is in the thread; a human needs to finish.`,
    };
  const message = failure instanceof Error ? failure.message : String(failure);
  return {
    status: 'failed',
    summary:
      run.attempt >= maxAttempts && maxAttempts > 1
        ? `gave up after ${maxAttempts} attempts: ${message}`
        : `worker error: ${message}`,
  };
}
