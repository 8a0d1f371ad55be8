import { appendAudit } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../store/db.ts';
import { listProposalsForRun } from '../store/proposals.ts';
import { cancelRun, getRun } from '../store/runs.ts';
import { getTask } from '../store/tasks.ts';

export type CancelResult = Awaited<ReturnType<typeof cancelRun>> | 'refused';

/**
 * Who asked to cancel a run, checked: its requester, an approver its proposals name (or, for a
 * proposal naming none, approvals.approvers), or one of approvals.admins. A cancel withdraws the
 * run's proposals, so it is a decision: audited either way.
 */
export async function cancelAsked(
  deps: { db: Db; config: Config },
  runId: string,
  actor: string,
): Promise<{ result: CancelResult; message?: string }> {
  const run = await getRun(deps.db, runId);
  if (!run) return { result: 'unknown' };
  const task = await getTask(deps.db, run.task_id);
  const approvers = new Set(
    (await listProposalsForRun(deps.db, runId)).flatMap((p) =>
      p.approvers?.length ? p.approvers : deps.config.approvals.approvers,
    ),
  );
  const allowed = actor === task?.requester || deps.config.approvals.admins.includes(actor) || approvers.has(actor);
  if (!allowed) {
    await appendAudit(deps.db, { actor, action: 'run.cancel_refused', subject: runId });
    return {
      result: 'refused',
      message: `only the run's requester, an approver of its proposals, or an admin (approvals.admins) may cancel \`${runId}\``,
    };
  }
  const result = await cancelRun(deps.db, runId, actor);
  await appendAudit(deps.db, { actor, action: 'run.cancel', subject: runId, data: { result } });
  return { result };
}
