import type { ExecutionOutcome } from '../domain/proposal.ts';

/**
 * What one of the executor's halves (Helm, the node maintenance plan) returns: settled with an
 * outcome, or not settled because another process took the execution over.
 */
export type HalfExecution =
  | { settled: true; status: 'executed' | 'failed'; outcome: ExecutionOutcome }
  | { settled: false; reason: string };

/** Settled as failed: nothing applied (unless `extra` says otherwise), nothing verified. */
export function failedExecution(message: string, extra: Partial<ExecutionOutcome> = {}): HalfExecution {
  return { settled: true, status: 'failed', outcome: { applied: false, verified: false, message, ...extra } };
}
