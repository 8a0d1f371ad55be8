import { describe, expect, it } from 'vitest';
import { backupStatus } from '../../src/analyzers/backup/backup-status.ts';
import type { BackupSnapshot } from '../../src/domain/backup-report.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

function backup(
  name: string,
  namespaces: string[],
  phase: string,
  startedHoursAgo: number,
  extra: any = {},
): KubeObject {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/storage-location': 'default', ...extra.labels } },
    spec: { includedNamespaces: namespaces, storageLocation: 'default' },
    status: {
      phase,
      startTimestamp: hoursAgo(startedHoursAgo),
      completionTimestamp: hoursAgo(startedHoursAgo - 0.1),
      expiration: hoursAgo(startedHoursAgo - 720),
      progress: { totalItems: 40, itemsBackedUp: 40 },
      ...extra.status,
    },
  };
}
const schedule = (name: string, cron: string, namespaces: string[], paused = false): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'Schedule',
  metadata: { name, namespace: 'velero' },
  spec: { schedule: cron, paused, template: { includedNamespaces: namespaces } },
  status: { phase: 'Enabled' },
});
const location = (phase: string, message?: string): KubeObject => ({
  apiVersion: 'velero.io/v1',
  kind: 'BackupStorageLocation',
  metadata: { name: 'default', namespace: 'velero' },
  spec: { default: true, provider: 'aws' },
  status: { phase, ...(message ? { message } : {}) },
});

function snapshot(
  v: Partial<NonNullable<BackupSnapshot['velero']>>,
  names: string[],
  namespace?: string,
): BackupSnapshot {
  return {
    ...(namespace ? { namespace } : {}),
    now: NOW,
    namespaces: names.map((name) => ({ name, holdsData: true })),
    velero: { backups: [], schedules: [], restores: [], locations: [location('Available')], ...v },
    unavailable: [],
  };
}
const of = (r: ReturnType<typeof backupStatus>, ns: string) => r.namespaces.find((n) => n.namespace === ns)!;

describe('backup status: is each namespace backed up, and can it be restored now', () => {
  it('says Velero is not installed, and finds nothing rather than "all backed up"', () => {
    const r = backupStatus({ now: NOW, namespaces: [{ name: 'shop', holdsData: true }], unavailable: [] });
    expect(r.velero).toMatchObject({ installed: false, note: expect.stringContaining('not installed') });
    expect(r.namespaces).toEqual([]);
  });

  it('calls a namespace protected when a schedule covers it and its last good backup is as recent as the schedule promises', () => {
    const r = backupStatus(
      snapshot(
        {
          schedules: [schedule('nightly', '0 2 * * *', ['*'])],
          backups: [backup('nightly-1', ['*'], 'Completed', 10)],
        },
        ['shop'],
      ),
    );
    expect(of(r, 'shop')).toMatchObject({ status: 'protected', restorable: true, restoreFrom: 'nightly-1' });
    expect(of(r, 'shop').restore).toMatch(/^yes: from nightly-1 \(completed 9.9h ago, 40 items\)/);
    expect(r.findings).toEqual([]);
  });

  it('finds a schedule that stopped producing good backups: the last good one is older than the run before the latest', () => {
    const r = backupStatus(
      snapshot(
        {
          schedules: [schedule('nightly', '0 2 * * *', ['shop'])],
          backups: [backup('nightly-old', ['shop'], 'Completed', 60)],
        },
        ['shop'],
      ),
    );
    expect(of(r, 'shop').status).toBe('stale');
    expect(r.findings[0]).toMatchObject({
      category: 'backup_missing',
      severity: 'high',
      summary: 'Schedule nightly stopped producing good backups of namespace shop',
      fix: { tool: 'velero_backup', input: { namespace: 'shop' } },
    });
  });

  it('understands @every schedules', () => {
    const ok = snapshot(
      { schedules: [schedule('often', '@every 6h', ['shop'])], backups: [backup('b', ['shop'], 'Completed', 7)] },
      ['shop'],
    );
    expect(of(backupStatus(ok), 'shop').status).toBe('protected');
    const late = snapshot(
      { schedules: [schedule('often', '@every 6h', ['shop'])], backups: [backup('b', ['shop'], 'Completed', 13)] },
      ['shop'],
    );
    expect(of(backupStatus(late), 'shop').status).toBe('stale');
  });

  it('reports a failed latest backup with Velero’s reason, and restores from the partial one only when nothing better exists', () => {
    const r = backupStatus(
      snapshot(
        {
          schedules: [schedule('nightly', '0 2 * * *', ['pay'])],
          backups: [
            backup('nightly-2', ['pay'], 'PartiallyFailed', 10, { status: { errors: 3 } }),
            backup('nightly-1', ['pay'], 'Completed', 34),
          ],
        },
        ['pay'],
      ),
    );
    expect(of(r, 'pay')).toMatchObject({ status: 'failing', restoreFrom: 'nightly-1' });
    expect(r.findings[0]).toMatchObject({
      category: 'backup_failed',
      object: { kind: 'Backup', namespace: 'velero', name: 'nightly-2' },
      summary: expect.stringContaining('partially failed'),
    });
    expect(r.findings[0]!.evidence[0]).toBe('phase PartiallyFailed, 3 error(s)');
    const partialOnly = backupStatus(
      snapshot({ backups: [backup('b', ['pay'], 'PartiallyFailed', 2, { status: { errors: 1 } })] }, ['pay']),
    );
    expect(of(partialOnly, 'pay').restore).toMatch(/^partially: from b \(partially failed, 1 error\(s\)/);
  });

  it('flags a namespace never backed up, one backed up long ago, and says nothing more of one recently backed up by hand than that no schedule will do it again', () => {
    const r = backupStatus(
      snapshot(
        { backups: [backup('old', ['legacy'], 'Completed', 200), backup('manual', ['fresh'], 'Completed', 3)] },
        ['never', 'legacy', 'fresh'],
      ),
    );
    const sev = (ns: string) => r.findings.filter((f) => f.object.name === ns).map((f) => f.severity);
    expect(sev('never')).toEqual(['high']);
    expect(sev('legacy')).toEqual(['medium']);
    expect(sev('fresh')).toEqual(['low']);
    expect(of(r, 'fresh').status).toBe('unscheduled');
  });

  it('takes an expired backup for none, and a paused schedule for no schedule', () => {
    const expired = backup('b', ['shop'], 'Completed', 2, { status: { expiration: hoursAgo(1) } });
    const r = backupStatus(
      snapshot({ schedules: [schedule('nightly', '0 2 * * *', ['shop'], true)], backups: [expired] }, ['shop']),
    );
    expect(of(r, 'shop')).toMatchObject({ status: 'unprotected', restorable: false });
    expect(r.findings[0]!.evidence).toContain('schedule nightly covers it but is paused');
  });

  it('cannot restore from a location that is unavailable, and says why every backup to it fails', () => {
    const r = backupStatus(
      snapshot(
        {
          locations: [location('Unavailable', 'BackupStorageLocation "default" is unavailable: AccessDenied')],
          backups: [backup('b', ['shop'], 'Completed', 2)],
        },
        ['shop'],
      ),
    );
    expect(of(r, 'shop').restore).toBe('no: backup b is in storage location default, which is Unavailable');
    expect(r.findings[0]).toMatchObject({
      category: 'backup_failed',
      object: { kind: 'BackupStorageLocation', name: 'default' },
      evidence: ['BackupStorageLocation "default" is unavailable: AccessDenied'],
    });
  });

  it('reports a failed restore into the namespace until a later restore of the same backup completes', () => {
    const restore = (name: string, phase: string, at: number, reason?: string): KubeObject => ({
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name, namespace: 'velero' },
      spec: { backupName: 'b', includedNamespaces: ['shop'] },
      status: { phase, completionTimestamp: hoursAgo(at), ...(reason ? { failureReason: reason } : {}) },
    });
    const failed = restore('r1', 'Failed', 5, 'error downloading backup');
    const base = { backups: [backup('b', ['shop'], 'Completed', 8)] };
    const r = backupStatus(snapshot({ ...base, restores: [failed] }, ['shop'], 'shop'));
    expect(r.findings.map((f) => f.category)).toContain('restore_failed');
    expect(r.findings.find((f) => f.category === 'restore_failed')!.evidence).toContain('error downloading backup');
    const fixed = backupStatus(
      snapshot({ ...base, restores: [failed, restore('r2', 'Completed', 1)] }, ['shop'], 'shop'),
    );
    expect(fixed.findings.map((f) => f.category)).not.toContain('restore_failed');
  });

  it('leaves platform namespaces out of a cluster-wide review, and in when asked about by name', () => {
    expect(backupStatus(snapshot({}, ['kube-system', 'velero', 'shop'])).namespaces.map((n) => n.namespace)).toEqual([
      'shop',
    ]);
    expect(backupStatus(snapshot({}, ['kube-system'], 'kube-system')).namespaces).toHaveLength(1);
  });
});
