import { appendAudit } from '../audit/audit-log.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { notifyRuns } from '../store/run-queue.ts';
import type { Run, RunStatus, Task } from '../store/schema.ts';

const ACTIVE: RunStatus[] = ['queued', 'running', 'awaiting_approval'];

export type RetryResult = { ok: true; task: Task; run: Run } | { ok: false; message: string };

/**
 * Runs a finished run's task again from the start (a new run, attempt 1, same thread and scope).
 * One active run per task: the task row is locked while checking, so two retries race to one run.
 */
export async function retryRun(db: Db, runId: string, actor: string, notify?: () => void): Promise<RetryResult> {
  const result = await db.transaction().execute(async (trx): Promise<RetryResult> => {
    const old = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    if (!old) return { ok: false, message: `No run \`${runId}\`.` };
    const task = await trx
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', old.task_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const active = await trx
      .selectFrom('runs')
      .select(['id', 'status'])
      .where('task_id', '=', task.id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    if (active)
      return {
        ok: false,
        message: `\`${active.id}\` is still ${active.status.replace('_', ' ')}; cancel it first or wait for it.`,
      };
    const run = await trx
      .insertInto('runs')
      .values({
        id: newId('run'),
        task_id: task.id,
        status: 'queued',
        worker: null,
        lease_owner: null,
        lease_expires_at: null,
        checkpoint: null,
        summary: null,
        error: null,
        started_at: null,
        finished_at: null,
        timeout_seconds: old.timeout_seconds,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, task, run };
  });
  if (!result.ok) return result;
  await appendAudit(db, {
    actor,
    action: 'run.retried',
    subject: result.task.id,
    data: { previous: runId, run: result.run.id },
  });
  await notifyRuns(db, result.run.id).catch(() => {});
  notify?.();
  return result;
}
