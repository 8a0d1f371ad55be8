/**
 * What a paused run keeps between attempts. Each worker stores its own shape (a model's transcript,
 * a runbook's finding and action) and reads it back with its own reader; the supervisor and the
 * store know only this part: the proposal the run waits on, settled before the run resumes.
 */
export interface RunCheckpoint {
  proposalId?: string;
}

/** The proposal a stored checkpoint waits on, if it names one. */
export function checkpointProposal(cp: unknown): string | undefined {
  const id = cp && typeof cp === 'object' ? (cp as RunCheckpoint).proposalId : undefined;
  return typeof id === 'string' ? id : undefined;
}
