import { sql } from 'kysely';
import { appendAudit } from '../audit/audit-log.ts';
import type { GitOpsFix } from '../domain/gitops-owner.ts';
import type { TaskAlert } from '../domain/task-alert.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { Run, Task, TaskKind, TaskSource } from '../store/schema.ts';

export interface TaskRequest {
  kind: TaskKind;
  source: TaskSource;
  requester: string;
  question: string;
  cluster?: string;
  namespace?: string;
  slack?: { channel: string; threadTs?: string };
  alertGroupKey?: string;
  timeoutSeconds?: number;
  /** A follow-up in an earlier task's thread: that task, and what it concluded. */
  followUp?: { parentTaskId: string; context: string };
  slackTeam?: string;
  /** An alert-started task: what fired, the objects it names, the categories to try first. */
  alert?: TaskAlert;
  /** A change task: the configured repository (claw.yaml `repos`) it changes. */
  repo?: string;
  /** What must also be true when done, beyond the kind's own criteria. */
  acceptance?: string[];
  /** A change task started for a GitOps-managed object: it follows the owner's sync once pushed. */
  gitopsFix?: GitOpsFix;
}

/** Default acceptance criteria: what a run must establish before it may call itself done. */
export function acceptanceCriteria(kind: TaskKind): string[] {
  if (kind === 'investigate') {
    return [
      'name the failing workload found from the cluster itself, or state that none is failing',
      'give a finding with a category and evidence quoted from the cluster',
      'propose a remediation as an approval-gated proposal when one is in the vocabulary',
      'after an approved change, verify the outcome before reporting success',
    ];
  }
  if (kind === 'change') {
    return [
      'make the change asked for, within the paths this repository allows, and nothing else',
      "the repository's CI passes on the change, as it must for a human's pull request",
      'never add a secret, a credential or a symbolic link to the repository',
      'summarise what was changed and why, for the reviewer who approves it',
    ];
  }
  if (kind === 'security') {
    return [
      'review RBAC, Pod Security, NetworkPolicy and the Trivy reports in scope, ranked worst first',
      'name the object, the binding or the image behind each finding, with evidence from the cluster',
      'say what could not be checked (no Trivy Operator, no permission) instead of reporting nothing',
      'propose a fix as an approval-gated proposal only where nothing running would break',
    ];
  }
  if (kind === 'generate') {
    return [
      'generate manifests for the workload asked for, from the facts the request states',
      'pass the restricted Pod Security Standard and the production checks, and a server-side dry-run of every object and of a Pod from each pod template',
      'deliver them only as an approval-gated proposal: an apply, or a Git change through the repository CI',
    ];
  }
  return ['state what was done and verify it'];
}

class NotClaimed extends Error {}

/**
 * The one entry point for every surface (Slack, Alertmanager, CLI, cron): writes the task and its
 * first run (queued) in one transaction. Surfaces never run anything: the supervisor claims it.
 * `onlyIf` runs in that transaction with the new task's id; false rolls everything back (an
 * alert group starts its investigation once however many dispatchers race for it).
 */
export async function createTask(
  db: Db,
  req: TaskRequest,
  notify: (() => void) | undefined,
  onlyIf: (trx: Db, taskId: string) => Promise<boolean>,
): Promise<{ task: Task; run: Run } | undefined>;
export async function createTask(db: Db, req: TaskRequest, notify?: () => void): Promise<{ task: Task; run: Run }>;
export async function createTask(
  db: Db,
  req: TaskRequest,
  notify?: () => void,
  onlyIf?: (trx: Db, taskId: string) => Promise<boolean>,
): Promise<{ task: Task; run: Run } | undefined> {
  const result = await db
    .transaction()
    .execute(async (trx) => {
      const task = await trx
        .insertInto('tasks')
        .values({
          id: newId('task'),
          kind: req.kind,
          source: req.source,
          requester: req.requester,
          cluster: req.cluster ?? 'default',
          namespace: req.namespace ?? null,
          question: req.question,
          acceptance_criteria: JSON.stringify([...acceptanceCriteria(req.kind), ...(req.acceptance ?? [])]),
          slack_channel: req.slack?.channel ?? null,
          slack_thread_ts: req.slack?.threadTs ?? null,
          alert_group_key: req.alertGroupKey ?? null,
          parent_task_id: req.followUp?.parentTaskId ?? null,
          context: req.followUp?.context ?? null,
          slack_team: req.slackTeam ?? null,
          alert: req.alert ? JSON.stringify(req.alert) : null,
          repo: req.repo ?? null,
          gitops_fix: req.gitopsFix ? JSON.stringify(req.gitopsFix) : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
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
          ...(req.timeoutSeconds ? { timeout_seconds: req.timeoutSeconds } : {}),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (onlyIf && !(await onlyIf(trx, task.id))) throw new NotClaimed();
      return { task, run };
    })
    .catch((e) => {
      if (e instanceof NotClaimed) return undefined;
      throw e;
    });
  if (!result) return undefined;
  await appendAudit(db, {
    actor: req.requester,
    action: 'task.created',
    subject: result.task.id,
    data: { kind: req.kind, source: req.source, namespace: req.namespace ?? null, run: result.run.id },
  });
  await sql`select pg_notify('claw_runs', ${result.run.id})`.execute(db).catch(() => {});
  notify?.();
  return result;
}
