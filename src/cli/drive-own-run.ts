import { Interrupted } from '../domain/errors.ts';
import type { Run } from '../store/schema.ts';
import { driveRun } from '../supervisor/drive-run.ts';
import { cancelAsked } from '../tasks/cancel-run.ts';
import type { CliRuntime } from './cli-runtime.ts';

/**
 * Drives the run this command started, and only it, to rest. Ctrl-C cancels it (as its requester,
 * audited) instead of leaving it queued for the next CLI process to stumble on; the command then
 * ends with one line and exit 130. A second Ctrl-C quits at once.
 */
export async function driveOwnRun(rt: CliRuntime, runId: string, requester: string): Promise<Run> {
  let interrupted: Promise<unknown> | undefined;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    process.stderr.write(`\ninterrupted: cancelling run ${runId} (Ctrl-C again to quit at once)\n`);
    interrupted = cancelRequested(rt, runId, requester);
  };
  process.on('SIGINT', onSigint);
  try {
    const run = await driveRun(rt.supervisor, rt.store.db, runId);
    if (interrupted) {
      await interrupted;
      throw new Interrupted(`interrupted: run ${runId} ${run.status === 'cancelled' ? 'cancelled' : run.status}`);
    }
    return run;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Cancels `runId` for its requester and stops it at once if this process is running it. */
export async function cancelRequested(rt: CliRuntime, runId: string, requester: string): Promise<void> {
  await cancelAsked({ db: rt.store.db, config: rt.config }, runId, requester);
  rt.supervisor.cancel(runId);
}
