import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import type { Run, RunStatus } from '../store/schema.ts';
import type { Supervisor } from './supervisor.ts';

export const RESTING: RunStatus[] = ['awaiting_approval', 'succeeded', 'failed', 'cancelled', 'escalated'];

/** Lets an in-process supervisor work on `runId`, and only on it, until it rests (terminal or awaiting approval). */
export async function driveRun(supervisor: Supervisor, db: Db, runId: string, timeoutMs = 600_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await getRun(db, runId))!;
    if (RESTING.includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish within ${Math.round(timeoutMs / 1000)}s (status ${run.status})`);
    if (!(await supervisor.runOnce(runId))) await new Promise((r) => setTimeout(r, 100));
  }
}
