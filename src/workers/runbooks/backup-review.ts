import type { BackupFinding, BackupReport, NamespaceBackup } from '../../domain/backup-report.ts';
import { ageText } from '../../lib/age-text.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { proposeFix } from './propose-fix.ts';

const RECORDED = 200;
const BACKUP = /\b(backed[- ]up|backups?|back (it |.+ )?up|restor(e|ed|es|ing|able)|velero|disaster recovery)\b/i;
/** "restore shop from backup shop-1 into shop-copy", "restore namespace shop", "restore the configmaps of shop from nightly-…". */
const RESTORE =
  /\brestore\s+(?:the\s+)?(?:(?<resources>[a-z0-9.,\s-]+?)\s+(?:of|in|from namespace)\s+)?(?:namespace\s+)?(?<ns>[a-z0-9][a-z0-9-]*)(?:\s+from\s+(?:backup\s+)?(?<backup>[a-z0-9][a-z0-9.-]*))?(?:\s+(?:into|to)\s+(?:a\s+new\s+)?(?:namespace\s+)?(?<into>[a-z0-9][a-z0-9-]*))?/i;

/** A question about backups or restores (`claw backup`, "is shop backed up?"), or a Velero alert. */
export function isBackupTask(task: WorkerContext['task']): boolean {
  if (task.alert) return task.alert.alertnames.some((a) => /velero|backup/i.test(a));
  return task.source !== 'alert' && BACKUP.test(task.question);
}

/**
 * Backups with no model: `backup_status` over the task's scope answers "is X backed up? can we
 * restore it?" namespace by namespace, records every finding, then proposes what was asked for —
 * a restore (named backup, or the last good one) — or else a backup of the first namespace that
 * lacks one. What could not be read is said, never taken for "backed up".
 */
export async function reviewBackups(ctx: WorkerContext): Promise<WorkerResult> {
  const ns = ctx.task.namespace ?? undefined;
  ctx.emit({
    type: 'step',
    data: { message: `Checking Velero backups of ${ns ? `namespace ${ns}` : 'every namespace'}` },
  });
  const report = (await ctx.readTool('backup_status', ns ? { namespace: ns } : {})).data as BackupReport;
  const gaps = [...(report.velero.note ? [report.velero.note] : []), ...report.unavailable];
  for (const g of gaps) ctx.emit({ type: 'step', data: { message: `Not checked: ${g}` } });
  if (!report.velero.installed) {
    const summary = `Nothing in ${report.scope} is backed up by Velero: ${report.velero.note}.`;
    ctx.emit({
      type: 'finding',
      data: {
        category: 'backup_missing',
        severity: 'high',
        summary,
        object: { kind: 'Namespace', name: ns ?? '*' },
        evidence: gaps,
      },
    });
    return { status: 'escalated', summary };
  }
  for (const n of report.namespaces.slice(0, 20)) ctx.emit({ type: 'step', data: { message: answerFor(n) } });
  for (const f of report.findings.slice(0, RECORDED)) ctx.emit({ type: 'finding', data: f });
  const asked = RESTORE.exec(ctx.task.question)?.groups;
  if (asked?.ns && (!ns || asked.ns === ns)) return proposeRestore(ctx, report, asked);
  const answers = report.namespaces.map((n) => `${n.namespace}: ${n.status}`).join(', ');
  const headline = report.findings.length
    ? `Backups of ${report.scope}: ${report.findings.length} finding(s). First: ${report.findings[0]!.summary}`
    : `Backups of ${report.scope}: every namespace is protected (${answers || 'no namespaces in scope'})`;
  if (!report.findings.length) {
    ctx.emit({
      type: 'finding',
      data: {
        category: 'healthy',
        summary: headline,
        object: { kind: 'Namespace', name: ns ?? '*' },
        evidence: report.namespaces.map(answerFor),
      },
    });
    return { status: 'succeeded', summary: `${headline}.` };
  }
  for (const f of report.findings.filter((x) => x.fix).slice(0, 3)) {
    const result = await proposeFix(ctx, f, f.fix!.tool, { ...f.fix!.input, reason: f.fix!.why }, headline);
    if (typeof result !== 'string') return result;
  }
  const serious = report.findings.some((f) => f.severity === 'critical' || f.severity === 'high');
  return serious
    ? {
        status: 'escalated',
        summary: `${headline}. No backup could be proposed: the storage location or Velero itself needs a human.`,
      }
    : { status: 'succeeded', summary: `${headline}.` };
}

/** "shop: protected — last good backup … ; can be restored: yes from …". */
function answerFor(n: NamespaceBackup): string {
  const covered = n.schedules.length
    ? `covered by ${n.schedules.map((s) => `${s.name} (${s.schedule}${s.paused ? ', paused' : ''})`).join(', ')}`
    : 'no schedule covers it';
  const last = n.lastGood
    ? `last good backup ${n.lastGood.name}, ${ageText(n.lastGood.ageHours)} ago`
    : 'never backed up';
  return `Namespace ${n.namespace}: ${n.status} — ${covered}; ${last}; can be restored: ${n.restore}`;
}

async function proposeRestore(
  ctx: WorkerContext,
  report: BackupReport,
  asked: Record<string, string | undefined>,
): Promise<WorkerResult> {
  const n = report.namespaces.find((x) => x.namespace === asked.ns);
  const backup = asked.backup ?? n?.restoreFrom;
  if (!backup) {
    const summary = `Namespace ${asked.ns} cannot be restored: ${n?.restore ?? 'no backup includes it'}.`;
    return { status: 'escalated', summary };
  }
  const resources = asked.resources
    ?.split(/[\s,]+|\band\b/)
    .map((r) => r.trim().toLowerCase())
    .filter((r) => r && r !== 'and');
  const input = {
    namespace: asked.ns,
    backup,
    ...(asked.into && asked.into !== asked.ns ? { targetNamespace: asked.into } : {}),
    ...(resources?.length ? { resources } : {}),
    ...(/\boverwrit/i.test(ctx.task.question) ? { existingResourcePolicy: 'update' } : {}),
    reason: `asked: ${ctx.task.question.slice(0, 200)}`,
  };
  const finding: BackupFinding = {
    category: 'backup_missing',
    severity: 'medium',
    summary: `Restore of namespace ${asked.ns} from ${backup} requested`,
    object: { kind: 'Namespace', name: asked.ns! },
    evidence: [n ? answerFor(n) : `namespace ${asked.ns} is not in the report`],
  };
  const result = await proposeFix(ctx, finding, 'velero_restore', input, `Restore of ${asked.ns} from ${backup}`);
  return typeof result === 'string'
    ? { status: 'escalated', summary: `The restore of ${asked.ns} from ${backup} could not be proposed: ${result}.` }
    : result;
}
