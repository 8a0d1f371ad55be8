import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import type { Run, RunStatus } from '../store/schema.ts';
import type { Supervisor } from './supervisor.ts';

export const RESTING: RunStatus[] = ['awaiting_approval', 'succeeded', 'failed', 'cancelled', 'escalated'];

/** Lets an in-process supervisor work on `runId`, and only on it, until it rests (terminal, awaiting approval, or deferred until later). */
export async function driveRun(supervisor: Supervisor, db: Db, runId: string, timeoutMs = 600_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await getRun(db, runId))!;
    if (RESTING.includes(run.status)) return run;
    // Deferred while it waits on something outside ClusterClaw (a merge), not backing off after
    // a failure: it rests, for us, until it is due.
    const last = run.history?.at(-1);
    const waiting = run.status === 'queued' && last?.outcome === 'finished' && last.reason === 'waiting';
    if (waiting && run.not_before && new Date(run.not_before).getTime() > Date.now()) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish within ${Math.round(timeoutMs / 1000)}s (status ${run.status})`);
    if (!(await supervisor.runOnce(runId))) await new Promise((r) => setTimeout(r, 100));
  }
}
