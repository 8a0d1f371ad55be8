import type {
  BackupFinding,
  BackupReport,
  BackupSnapshot,
  BackupView,
  NamespaceBackup,
} from '../../domain/backup-report.ts';
import { SEVERITY_RANK } from '../../domain/security-finding.ts';
import { ageText } from '../../lib/age-text.ts';
import { recentFirings } from '../../lib/cron-schedule.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { coversNamespace, restoreTargets } from '../../lib/velero-scope.ts';

/** Without a schedule, a backup older than this is not "recent". */
export const UNSCHEDULED_MAX_AGE_HOURS = 24;
const FAILED = new Set(['Failed', 'PartiallyFailed', 'FailedValidation']);
const TERMINAL = new Set(['Completed', ...FAILED]);
/** Namespaces a platform runs itself: reported when asked about, never flagged unasked. */
const SYSTEM = /^(kube-|openshift|velero$|default$)/;

/** Is each namespace backed up, can it be restored now, and what is wrong (docs/backup.md). */
export function backupStatus(s: BackupSnapshot): BackupReport {
  const scope = s.namespace ?? 'all namespaces';
  const at = s.now.toISOString();
  if (!s.velero)
    return {
      scope,
      at,
      velero: {
        installed: false,
        note: 'Velero is not installed (velero.io CRDs not served): nothing is backed up by it',
      },
      locations: [],
      namespaces: [],
      restores: [],
      findings: [],
      unavailable: s.unavailable,
    };
  const v = s.velero;
  const findings: BackupFinding[] = [];
  const locations = v.locations.map((l) => ({
    name: l.metadata.name,
    namespace: l.metadata.namespace!,
    phase: String(l.status?.phase ?? 'Unknown'),
    default: Boolean(l.spec?.default),
    ...(l.status?.message ? { message: String(l.status.message) } : {}),
  }));
  for (const l of locations.filter((x) => x.phase === 'Unavailable'))
    findings.push({
      category: 'backup_failed',
      severity: 'high',
      summary: `Backup storage location ${l.name} is unavailable: every backup to it fails`,
      object: { kind: 'BackupStorageLocation', namespace: l.namespace, name: l.name },
      evidence: [l.message ?? 'status.phase Unavailable'],
    });
  const views = v.backups.map((b) => view(b, s.now));
  const namespaces = s.namespaces
    .filter((n) => s.namespace || !SYSTEM.test(n.name))
    .map((n) => namespaceStatus(s, v, views, n.name, locations));
  for (const n of namespaces) {
    const holds = s.namespaces.find((x) => x.name === n.namespace)?.holdsData;
    findings.push(...namespaceFindings(n, Boolean(s.namespace) || Boolean(holds), s.now));
  }
  const restores = v.restores
    .filter((r) => !s.namespace || (restoreTargets(r.spec) ?? [s.namespace]).includes(s.namespace))
    .map((r) => ({
      name: r.metadata.name,
      backup: String(r.spec?.backupName ?? r.spec?.scheduleName ?? ''),
      phase: String(r.status?.phase ?? 'New'),
      into: restoreTargets(r.spec) ?? ['(every namespace in the backup)'],
      ...(r.status?.completionTimestamp || r.status?.startTimestamp
        ? { at: String(r.status.completionTimestamp ?? r.status.startTimestamp) }
        : {}),
      ...(reasonOf(r) ? { reason: reasonOf(r) } : {}),
      ...(r.status?.errors !== undefined ? { errors: Number(r.status.errors) } : {}),
      ...(r.status?.warnings !== undefined ? { warnings: Number(r.status.warnings) } : {}),
    }));
  for (const r of restores) {
    if (!FAILED.has(r.phase)) continue;
    // A later restore of the same backup into the same place that completed supersedes a failure.
    const fixed = restores.some(
      (o) =>
        o.phase === 'Completed' &&
        o.backup === r.backup &&
        o.into.join() === r.into.join() &&
        (o.at ?? '') > (r.at ?? ''),
    );
    if (fixed) continue;
    findings.push({
      category: 'restore_failed',
      severity: r.phase === 'PartiallyFailed' ? 'medium' : 'high',
      summary: `Restore ${r.name} from backup ${r.backup} into ${r.into.join(', ')} ${r.phase === 'PartiallyFailed' ? 'partially failed' : 'failed'}`,
      object: {
        kind: 'Restore',
        namespace: v.restores.find((x) => x.metadata.name === r.name)?.metadata.namespace,
        name: r.name,
      },
      evidence: [
        `phase ${r.phase}${r.errors ? `, ${r.errors} error(s)` : ''}${r.warnings ? `, ${r.warnings} warning(s)` : ''}`,
        ...(r.reason ? [r.reason] : []),
        'the error messages are in the restore log: velero restore logs ' + r.name,
      ],
    });
  }
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const veleroNs = v.locations[0]?.metadata.namespace ?? v.backups[0]?.metadata.namespace;
  return {
    scope,
    at,
    velero: { installed: true, ...(veleroNs ? { namespace: veleroNs } : {}) },
    locations,
    namespaces,
    restores,
    findings,
    unavailable: s.unavailable,
  };
}

function view(b: KubeObject, now: Date): BackupView {
  const st = b.status ?? {};
  const doneAt = st.completionTimestamp ?? st.startTimestamp;
  return {
    name: b.metadata.name,
    namespace: b.metadata.namespace!,
    phase: String(st.phase || 'New'),
    ...(st.startTimestamp ? { startedAt: String(st.startTimestamp) } : {}),
    ...(st.completionTimestamp ? { completedAt: String(st.completionTimestamp) } : {}),
    ...(doneAt ? { ageHours: Math.round(((now.getTime() - Date.parse(doneAt)) / 3_600_000) * 10) / 10 } : {}),
    ...(st.expiration ? { expiresAt: String(st.expiration) } : {}),
    location: String(b.spec?.storageLocation || b.metadata.labels?.['velero.io/storage-location'] || 'default'),
    ...(b.metadata.labels?.['velero.io/schedule-name']
      ? { schedule: b.metadata.labels['velero.io/schedule-name'] }
      : {}),
    ...(st.progress?.totalItems !== undefined
      ? { items: Number(st.progress.itemsBackedUp ?? st.progress.totalItems) }
      : {}),
    ...(st.errors ? { errors: Number(st.errors) } : {}),
    ...(st.warnings ? { warnings: Number(st.warnings) } : {}),
    ...(reasonOf(b) ? { reason: reasonOf(b) } : {}),
  };
}

function reasonOf(o: KubeObject): string | undefined {
  const st = o.status ?? {};
  const errs = (st.validationErrors ?? []) as string[];
  return st.failureReason ? String(st.failureReason) : errs.length ? errs.join('; ') : undefined;
}

/** Newest first by when it ran (or was created, for one that has not started). */
function newest(a: BackupView & { created?: string }, b: BackupView & { created?: string }): number {
  return (b.startedAt ?? b.created ?? '').localeCompare(a.startedAt ?? a.created ?? '');
}

function namespaceStatus(
  s: BackupSnapshot,
  v: NonNullable<BackupSnapshot['velero']>,
  views: BackupView[],
  ns: string,
  locations: BackupReport['locations'],
): NamespaceBackup {
  const covering = v.backups
    .map((b, i) => ({ ...views[i]!, created: b.metadata.creationTimestamp, spec: b.spec }))
    .filter((b) => coversNamespace(b.spec, ns))
    .sort(newest)
    .map(({ spec: _s, created: _c, ...rest }) => rest as BackupView);
  const schedules = v.schedules
    .filter((x) => coversNamespace(x.spec?.template, ns))
    .map((x) => ({
      name: x.metadata.name,
      schedule: String(x.spec?.schedule ?? ''),
      paused: Boolean(x.spec?.paused),
      ...(x.status?.lastBackup ? { lastBackup: String(x.status.lastBackup) } : {}),
    }));
  const live = (b: BackupView) => !(b.expiresAt && Date.parse(b.expiresAt) < s.now.getTime());
  // Good means complete; a partially failed backup still restores what it holds, when nothing better exists.
  const lastGood = covering.find((b) => b.phase === 'Completed' && live(b));
  const source = lastGood ?? covering.find((b) => b.phase === 'PartiallyFailed' && live(b));
  const lastAttempt = covering.find((b) => TERMINAL.has(b.phase)) ?? covering[0];
  const active = schedules.filter((x) => !x.paused);
  // "As recent as the schedule promises": no older than the run before its latest one.
  const promised = active
    .map((x) => recentFirings(x.schedule, s.now)[1])
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  const goodAt = lastGood ? Date.parse(lastGood.startedAt ?? lastGood.completedAt ?? '') : undefined;
  const fresh =
    goodAt !== undefined &&
    (promised ? goodAt >= promised.getTime() : s.now.getTime() - goodAt <= UNSCHEDULED_MAX_AGE_HOURS * 3_600_000);
  const failing = lastAttempt !== undefined && FAILED.has(lastAttempt.phase) && lastAttempt !== lastGood;
  const status: NamespaceBackup['status'] = failing
    ? 'failing'
    : fresh
      ? active.length
        ? 'protected'
        : 'unscheduled'
      : active.length
        ? 'stale'
        : 'unprotected';
  const location = source && locations.find((l) => l.name === source.location);
  const restorable = Boolean(source) && location?.phase === 'Available';
  const restore = !source
    ? 'no: there is no completed backup of it'
    : !location
      ? `no: backup ${source.name}'s storage location ${source.location} does not exist`
      : location.phase !== 'Available'
        ? `no: backup ${source.name} is in storage location ${location.name}, which is ${location.phase}`
        : `${source === lastGood ? 'yes' : 'partially'}: from ${source.name} (${source === lastGood ? 'completed' : `partially failed, ${source.errors ?? '?'} error(s)`} ${ageText(source.ageHours)} ago${source.items !== undefined ? `, ${source.items} items` : ''})`;
  return {
    namespace: ns,
    status,
    schedules,
    ...(lastGood ? { lastGood } : {}),
    ...(lastAttempt ? { lastAttempt } : {}),
    restorable,
    ...(restorable ? { restoreFrom: source!.name } : {}),
    restore,
  };
}

function namespaceFindings(n: NamespaceBackup, flag: boolean, now: Date): BackupFinding[] {
  const object = { kind: 'Namespace', name: n.namespace };
  const fix = { tool: 'velero_backup', input: { namespace: n.namespace }, why: 'a backup of it now' };
  const last = n.lastGood
    ? `last good backup: ${n.lastGood.name}, ${ageText(n.lastGood.ageHours)} ago (${n.lastGood.phase})`
    : 'no good backup of it exists';
  const out: BackupFinding[] = [];
  if (n.status === 'failing' && n.lastAttempt) {
    const a = n.lastAttempt;
    out.push({
      category: 'backup_failed',
      severity: 'high',
      summary: `The latest backup of namespace ${n.namespace} (${a.name}${a.schedule ? `, schedule ${a.schedule}` : ''}) ${a.phase === 'PartiallyFailed' ? 'partially failed' : a.phase === 'FailedValidation' ? 'failed validation' : 'failed'}`,
      object: { kind: 'Backup', namespace: a.namespace, name: a.name },
      evidence: [`phase ${a.phase}${a.errors ? `, ${a.errors} error(s)` : ''}`, ...(a.reason ? [a.reason] : []), last],
      fix,
    });
  }
  if (!flag) return out;
  if (n.status === 'unprotected')
    out.push({
      category: 'backup_missing',
      severity: n.lastGood ? 'medium' : 'high',
      summary: n.lastGood
        ? `Namespace ${n.namespace} has no recent good backup and no schedule covers it`
        : `Namespace ${n.namespace} has never been backed up and no schedule covers it`,
      object,
      evidence: [
        last,
        ...n.schedules.filter((x) => x.paused).map((x) => `schedule ${x.name} covers it but is paused`),
        ...(n.lastGood
          ? [
              `without a schedule, a backup older than ${UNSCHEDULED_MAX_AGE_HOURS}h is not recent (at ${now.toISOString()})`,
            ]
          : []),
      ],
      fix,
    });
  if (n.status === 'unscheduled')
    out.push({
      category: 'backup_missing',
      severity: 'low',
      summary: `Namespace ${n.namespace} was backed up ${ageText(n.lastGood?.ageHours)} ago, but no schedule covers it: it will not be backed up again`,
      object,
      evidence: [last, 'create a Velero Schedule that includes it (velero schedule create)'],
    });
  if (n.status === 'stale')
    out.push({
      category: 'backup_missing',
      severity: 'high',
      summary: `Schedule ${n.schedules.map((x) => x.name).join(', ')} stopped producing good backups of namespace ${n.namespace}`,
      object,
      evidence: [
        last,
        ...n.schedules.map((x) => `schedule ${x.name} (${x.schedule}) last fired ${x.lastBackup ?? 'never'}`),
      ],
      fix,
    });
  return out;
}
