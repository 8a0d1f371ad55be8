import type { TaskAlert } from '../domain/task-alert.ts';
import { claimInvestigation, groupAlerts } from '../store/alert-groups.ts';
import { cancelRun, latestRunOfTask } from '../store/runs.ts';
import type { AlertDigest, AlertGroup } from '../store/schema.ts';
import { createTask } from '../tasks/create-task.ts';
import type { DispatcherDeps } from './alert-dispatcher.ts';
import { alertTask } from './alert-task.ts';

type Deps = Pick<DispatcherDeps, 'db' | 'config' | 'logger' | 'notifyRuns'>;

/**
 * What a group's change means for its investigation: a new firing group starts one (exactly once,
 * however many dispatchers race); firing again after resolving starts a follow-up unless the last
 * one is recent; resolving stops one still queued or running. Returns a line for the thread, if any.
 */
export async function settleInvestigation(deps: Deps, g: AlertGroup, noteKinds: string[]): Promise<string | undefined> {
  if (!g.investigate || g.digest_id) return undefined;
  if (g.status === 'firing' && !g.task_id) {
    await startGroupInvestigation(deps, g);
    return undefined;
  }
  if (!g.task_id) return undefined;
  const run = await latestRunOfTask(deps.db, g.task_id);
  if (g.status === 'firing' && noteKinds.includes('refired')) {
    const minutes = deps.config.alerts.reinvestigateAfterMinutes;
    const since = g.investigated_at ? (Date.now() - g.investigated_at.getTime()) / 60_000 : Number.POSITIVE_INFINITY;
    if (run && ['queued', 'running', 'awaiting_approval'].includes(run.status)) return undefined;
    // A flap within the window is not investigated again, unless the last investigation was stopped before it concluded.
    if (since < minutes && run?.status !== 'cancelled')
      return `Not investigating again: the last investigation started ${Math.round(since)} min ago (alerts.reinvestigateAfterMinutes: ${minutes}). Mention me here to ask again.`;
    await startGroupInvestigation(
      deps,
      g,
      run && ['succeeded', 'escalated'].includes(run.status) ? (run.summary ?? undefined) : undefined,
    );
    return undefined;
  }
  if (g.status === 'resolved' && noteKinds.includes('resolved') && run) {
    if (run.status === 'queued' || run.status === 'running') {
      await cancelRun(deps.db, run.id, 'Alertmanager (every alert resolved)');
      return `Stopping the investigation (${run.id}): every alert resolved before it finished.`;
    }
    if (run.status === 'awaiting_approval')
      return 'Every alert resolved while a proposal from the investigation waits for a decision: reject it if the change is no longer needed.';
  }
  return undefined;
}

async function startGroupInvestigation(deps: Deps, g: AlertGroup, earlier?: string): Promise<void> {
  const alerts = await groupAlerts(deps.db, g.id);
  const t = alertTask({
    commonLabels: g.common_labels,
    commonAnnotations: g.common_annotations,
    alerts: alerts.map((a) => ({ status: a.status, labels: a.labels })),
  });
  const started = await createTask(
    deps.db,
    {
      kind: 'investigate',
      source: 'alert',
      requester: `alertmanager:${g.receiver}`,
      question: t.question,
      namespace: t.namespace,
      cluster: g.cluster,
      slack: g.channel && g.thread_ts ? { channel: g.channel, threadTs: g.thread_ts } : undefined,
      alertGroupKey: g.group_key,
      alert: t.alert,
      timeoutSeconds: deps.config.runs.timeoutSeconds,
      followUp: g.task_id
        ? { parentTaskId: g.task_id, context: earlier ?? 'The same alerts fired before and resolved.' }
        : undefined,
    },
    deps.notifyRuns,
    (trx, taskId) => claimInvestigation(trx, g.id, taskId, g.task_id),
  );
  if (started)
    deps.logger.info(
      { group: g.id, runId: started.run.id, followUp: Boolean(g.task_id) },
      'alert investigation started',
    );
}

/** A storm gets one investigation, cluster-wide, in its digest's thread: what do these groups share? */
export async function startDigestInvestigation(
  deps: Deps,
  d: AlertDigest,
  groups: AlertGroup[],
): Promise<string | undefined> {
  const wanted = groups.filter((g) => g.investigate && !g.muted);
  if (!wanted.length) return undefined;
  const alertnames = [
    ...new Set(
      wanted.map((g) => g.common_labels.alertname ?? g.group_labels.alertname).filter((n): n is string => Boolean(n)),
    ),
  ];
  const alert: TaskAlert = {
    alertnames: alertnames.slice(0, 20),
    labels: {},
    objects: [],
    categories: [
      ...new Set(
        wanted.flatMap(
          (g) =>
            alertTask({ commonLabels: g.common_labels, commonAnnotations: {}, alerts: [{ labels: g.common_labels }] })
              .alert.categories,
        ),
      ),
    ],
  };
  const question = `Alert storm: ${groups.length} alert groups opened within a minute (${alertnames.slice(0, 6).join(', ')}${alertnames.length > 6 ? ', …' : ''}). Find the common cause.`;
  const started = await createTask(
    deps.db,
    {
      kind: 'investigate',
      source: 'alert',
      requester: 'alertmanager:storm',
      question,
      cluster: wanted[0]!.cluster,
      slack: d.ts ? { channel: d.channel, threadTs: d.ts } : undefined,
      alert,
      timeoutSeconds: deps.config.runs.timeoutSeconds,
    },
    deps.notifyRuns,
    async (trx, taskId) =>
      Number(
        (
          await trx
            .updateTable('alert_digests')
            .set({ task_id: taskId })
            .where('id', '=', d.id)
            .where('task_id', 'is', null)
            .executeTakeFirst()
        ).numUpdatedRows,
      ) === 1,
  );
  if (!started) return undefined;
  deps.logger.info({ digest: d.id, runId: started.run.id, groups: groups.length }, 'alert storm investigation started');
  return started.task.id;
}
