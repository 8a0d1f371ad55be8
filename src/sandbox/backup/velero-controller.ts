import { everyInterval, lastScheduled, parseSchedule } from '../../lib/cron-schedule.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import type { ResourceType } from '../resources.ts';
import { type BackupScope, capture, type RestoreSpec, restore } from './velero-capture.ts';

/** A storage location annotated with this is Unavailable with the value as its error (the sandbox's fault switch). */
export const STORAGE_ERROR_ANNOTATION = 'sandbox.clusterclaw.dev/storage-error';
/** How long a simulated backup or restore stays InProgress. */
const RUN_MS = 1_000;
const DEFAULT_TTL_MS = 720 * 3_600_000;
const TERMINAL = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

interface VeleroTypes {
  backup: ResourceType;
  restore: ResourceType;
  schedule: ResourceType;
  bsl: ResourceType;
  dbr?: ResourceType;
}

/**
 * Velero's server over the sandbox: validates storage locations, fires schedules, runs backups
 * (New → InProgress → Completed | PartiallyFailed | Failed, or FailedValidation) keeping a copy
 * of what each captured, runs restores from those copies, and processes DeleteBackupRequests.
 * Objects that already reached a terminal phase (seeded ones too) are left as they are.
 */
export function runVeleroController(state: ClusterState): void {
  const find = (kind: string) => state.types.findByKind('velero.io/v1', kind);
  const backup = find('Backup');
  const restoreType = find('Restore');
  const schedule = find('Schedule');
  const bsl = find('BackupStorageLocation');
  if (!backup || !restoreType || !schedule || !bsl) return;
  const t: VeleroTypes = { backup, restore: restoreType, schedule, bsl, dbr: find('DeleteBackupRequest') };
  validateLocations(state, t);
  fireSchedules(state, t);
  for (const b of state.store.list(t.backup)) if (!TERMINAL.has(b.status?.phase ?? '')) advanceBackup(state, t, b);
  for (const r of state.store.list(t.restore)) if (!TERMINAL.has(r.status?.phase ?? '')) advanceRestore(state, t, r);
  if (t.dbr) for (const d of state.store.list(t.dbr)) if (d.status?.phase !== 'Processed') deleteBackup(state, t, d);
}

function validateLocations(state: ClusterState, t: VeleroTypes): void {
  for (const l of state.store.list(t.bsl)) {
    const error = l.metadata.annotations?.[STORAGE_ERROR_ANNOTATION];
    const phase = error ? 'Unavailable' : 'Available';
    if (l.status?.phase === phase && (!error || l.status?.message?.endsWith(error))) continue;
    const now = isoSeconds(state.now());
    l.status = {
      ...l.status,
      phase,
      lastValidationTime: now,
      ...(error ? { message: `BackupStorageLocation "${l.metadata.name}" is unavailable: ${error}` } : {}),
      ...(error ? {} : { lastSyncedTime: now }),
    };
    if (!error) delete l.status.message;
    state.store.update(t.bsl, l);
  }
}

function fireSchedules(state: ClusterState, t: VeleroTypes): void {
  const now = state.now();
  for (const s of state.store.list(t.schedule)) {
    const text = String(s.spec?.schedule ?? '');
    const cron = parseSchedule(text);
    const every = everyInterval(text);
    if (!cron && !every) {
      if (s.status?.phase !== 'FailedValidation') {
        s.status = { ...s.status, phase: 'FailedValidation', validationErrors: [`invalid schedule: "${text}"`] };
        state.store.update(t.schedule, s);
      }
      continue;
    }
    const status = { ...s.status, phase: 'Enabled' };
    const last = s.status?.lastBackup ? new Date(s.status.lastBackup) : undefined;
    const due =
      !s.spec?.paused &&
      (last
        ? every
          ? now.getTime() - last.getTime() >= every
          : lastScheduled(cron!, last, now) !== undefined
        : !s.spec?.skipImmediately);
    if (due) {
      const stamp = isoSeconds(now).replace(/[-:TZ]/g, '');
      const name = `${s.metadata.name}-${stamp}`;
      if (!state.store.get(t.backup, s.metadata.namespace, name))
        state.store.create(t.backup, {
          apiVersion: 'velero.io/v1',
          kind: 'Backup',
          metadata: {
            name,
            namespace: s.metadata.namespace,
            labels: { 'velero.io/schedule-name': s.metadata.name! },
          },
          spec: structuredClone(s.spec?.template ?? {}),
        });
      status.lastBackup = isoSeconds(now);
    }
    if (JSON.stringify(status) !== JSON.stringify(s.status)) {
      s.status = status;
      state.store.update(t.schedule, s);
    }
  }
}

/** The location a backup uses: the one it names, else the one marked default. */
function locationOf(state: ClusterState, t: VeleroTypes, b: KubeObject): KubeObject | undefined {
  const name = b.spec?.storageLocation;
  const all = state.store.list(t.bsl, b.metadata.namespace);
  return name ? all.find((l) => l.metadata.name === name) : all.find((l) => l.spec?.default);
}

function advanceBackup(state: ClusterState, t: VeleroTypes, b: KubeObject): void {
  const now = state.now();
  const key = `${b.metadata.namespace}/${b.metadata.name}`;
  const bsl = locationOf(state, t, b);
  if (!b.status?.phase || b.status.phase === 'New') {
    const problem = !bsl
      ? b.spec?.storageLocation
        ? `an existing backup storage location wasn't specified at backup creation time and the server default '${b.spec.storageLocation}' doesn't exist. Please address this issue (see \`velero backup-location -h\` for options) and create a new backup. Error: backupstoragelocations.velero.io "${b.spec.storageLocation}" not found`
        : "an existing backup storage location wasn't specified at backup creation time and the default 'default' wasn't found. Please address this issue (see `velero backup-location -h` for options) and create a new backup"
      : bsl.status?.phase !== 'Available'
        ? `backup can't be created because BackupStorageLocation ${bsl.metadata.name} is in Unavailable status.`
        : bsl.spec?.accessMode === 'ReadOnly'
          ? `backup can't be created because backup storage location ${bsl.metadata.name} is currently in read-only mode`
          : undefined;
    b.metadata.labels = { ...b.metadata.labels, 'velero.io/storage-location': bsl?.metadata.name ?? '' };
    if (problem) {
      b.status = { ...b.status, version: 1, phase: 'FailedValidation', validationErrors: [problem] };
      state.store.update(t.backup, b);
      return;
    }
    const taken = capture(state, b.spec as BackupScope);
    state.backupContents.set(key, taken.items);
    const ttl = parseDuration(b.spec?.ttl) ?? DEFAULT_TTL_MS;
    b.status = {
      version: 1,
      formatVersion: '1.1.0',
      phase: 'InProgress',
      startTimestamp: isoSeconds(now),
      expiration: isoSeconds(new Date(now.getTime() + ttl)),
      progress: { totalItems: taken.items.length + taken.errors.length, itemsBackedUp: 0 },
      ...(taken.errors.length ? { errors: taken.errors.length } : {}),
    };
    state.store.update(t.backup, b);
    return;
  }
  if (now.getTime() - Date.parse(b.status.startTimestamp ?? '') < RUN_MS) return;
  const items = state.backupContents.get(key);
  const storageLost = bsl?.status?.phase !== 'Available';
  const errors = b.status.errors ?? 0;
  b.status = {
    ...b.status,
    phase: storageLost || !items ? 'Failed' : errors ? 'PartiallyFailed' : 'Completed',
    completionTimestamp: isoSeconds(now),
    progress: { totalItems: b.status.progress?.totalItems ?? 0, itemsBackedUp: items?.length ?? 0 },
    warnings: 0,
    errors,
    ...(storageLost
      ? { failureReason: `error uploading backup: ${bsl?.status?.message ?? 'the backup storage location is gone'}` }
      : {}),
  };
  if (storageLost) state.backupContents.delete(key);
  state.store.update(t.backup, b);
}

function advanceRestore(state: ClusterState, t: VeleroTypes, r: KubeObject): void {
  const now = state.now();
  const ns = r.metadata.namespace;
  const fromSchedule = r.spec?.scheduleName
    ? state.store
        .list(t.backup, ns)
        .filter(
          (b) =>
            b.metadata.labels?.['velero.io/schedule-name'] === r.spec.scheduleName && b.status?.phase === 'Completed',
        )
        .sort((a, b) => String(b.status?.startTimestamp).localeCompare(String(a.status?.startTimestamp)))[0]
    : undefined;
  const backupName = r.spec?.backupName || fromSchedule?.metadata.name;
  const b = backupName ? state.store.get(t.backup, ns, backupName) : undefined;
  if (!r.status?.phase || r.status.phase === 'New') {
    const problem = !backupName
      ? r.spec?.scheduleName
        ? `No backups found for schedule ${r.spec.scheduleName}`
        : 'Either a backup or schedule must be specified as a source for the restore, but not both'
      : !b
        ? `backups.velero.io "${backupName}" not found`
        : !['Completed', 'PartiallyFailed'].includes(b.status?.phase)
          ? `backup "${backupName}" is not ready to be restored from: its phase is ${b.status?.phase ?? 'New'}`
          : undefined;
    if (problem) {
      r.status = { phase: 'FailedValidation', validationErrors: [problem] };
      state.store.update(t.restore, r);
      return;
    }
    r.spec = { ...r.spec, backupName };
    r.status = { phase: 'InProgress', startTimestamp: isoSeconds(now), progress: {} };
    state.store.update(t.restore, r);
    return;
  }
  if (now.getTime() - Date.parse(r.status.startTimestamp ?? '') < RUN_MS) return;
  const items = state.backupContents.get(`${ns}/${backupName}`);
  if (!items) {
    r.status = {
      ...r.status,
      phase: 'Failed',
      completionTimestamp: isoSeconds(now),
      failureReason: `error downloading backup: the contents of backup ${backupName} are not in the backup storage location`,
    };
    state.store.update(t.restore, r);
    return;
  }
  const done = restore(state, items, r.spec as RestoreSpec, { backup: backupName!, restore: r.metadata.name });
  r.status = {
    ...r.status,
    phase: done.errors.length ? 'PartiallyFailed' : 'Completed',
    completionTimestamp: isoSeconds(now),
    progress: { totalItems: done.total, itemsRestored: done.restored },
    warnings: done.warnings.length,
    errors: done.errors.length,
  };
  state.store.update(t.restore, r);
}

/** `velero backup delete`: the backup, its copy in storage and the restores made from it go. */
function deleteBackup(state: ClusterState, t: VeleroTypes, d: KubeObject): void {
  const ns = d.metadata.namespace;
  const name = d.spec?.backupName;
  if (name && state.store.get(t.backup, ns, name)) state.store.delete(t.backup, ns, name);
  for (const r of state.store.list(t.restore, ns, (x) => x.spec?.backupName === name))
    state.store.delete(t.restore, ns, r.metadata.name);
  state.backupContents.delete(`${ns}/${name}`);
  d.status = { phase: 'Processed', errors: [] };
  state.store.update(t.dbr!, d);
}

/** Go durations as Velero writes them: `720h0m0s`, `72h`, `90m`. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g))
    ms += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[unit!]!;
  return ms;
}
