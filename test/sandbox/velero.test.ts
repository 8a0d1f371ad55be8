import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const STATE = `apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxCRDs
sets: [velero]
---
apiVersion: v1
kind: Namespace
metadata: {name: velero}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {currency: EUR}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata: {name: default, namespace: velero}
spec:
  default: true
  provider: aws
  objectStorage: {bucket: backups}
`;

const backup = (name: string, extra = '') => `apiVersion: velero.io/v1
kind: Backup
metadata: {name: ${name}, namespace: velero}
spec:
  includedNamespaces: [shop]
  ttl: 72h0m0s
${extra}`;

describe.skipIf(!KUBECTL)('the simulated Velero backs up and restores what a namespace held', () => {
  const s = kubectlSandbox({ prefix: 'claw-velero-', stateYaml: STATE });
  const phase = (kind: string, name: string) => ['get', kind, name, '-n', 'velero', '-o', 'jsonpath={.status.phase}'];

  it('validates the storage location, then runs a backup through InProgress to Completed with its counts', async () => {
    await s.until(phase('bsl', 'default'), /^Available$/);
    await s.apply(backup('shop-1'));
    await s.until(phase('backup', 'shop-1'), /^(InProgress|Completed)$/);
    await s.until(phase('backup', 'shop-1'), /^Completed$/, 1);
    const b = JSON.parse(await s.k('get', 'backup', 'shop-1', '-n', 'velero', '-o', 'json'));
    // The namespace, its ConfigMaps (ours and kube-root-ca.crt), its ServiceAccount and the Deployment — not the ReplicaSet or pods.
    expect(b.status.progress.itemsBackedUp).toBe(b.status.progress.totalItems);
    expect(b.status.progress.totalItems).toBeGreaterThanOrEqual(3);
    expect(b.metadata.labels['velero.io/storage-location']).toBe('default');
    expect(Date.parse(b.status.expiration) - Date.parse(b.status.startTimestamp)).toBe(72 * 3_600_000);
  });

  it('restores into the namespace what was deleted since, and leaves what exists with a warning', async () => {
    await s.k('delete', 'configmap', 'settings', '-n', 'shop');
    await s.k('delete', 'deployment', 'web', '-n', 'shop');
    await s.apply(`apiVersion: velero.io/v1
kind: Restore
metadata: {name: shop-1-back, namespace: velero}
spec: {backupName: shop-1, includedNamespaces: [shop]}
`);
    await s.until(phase('restore', 'shop-1-back'), /^Completed$/, 1);
    expect(await s.k('get', 'configmap', 'settings', '-n', 'shop', '-o', 'jsonpath={.data.currency}')).toBe('EUR');
    expect(await s.k('get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.labels}')).toMatch(
      /"velero.io\/backup-name":"shop-1"/,
    );
    const r = JSON.parse(await s.k('get', 'restore', 'shop-1-back', '-n', 'velero', '-o', 'json'));
    expect(r.status.progress.itemsRestored).toBe(2);
    // What still exists (the ServiceAccount, kube-root-ca.crt) is left alone with a warning; the namespace silently.
    expect(r.status.warnings).toBe(r.status.progress.totalItems - 3);
    expect(r.status.warnings).toBeGreaterThan(0);
    // The controllers take it from there: the restored Deployment runs again.
    await s.until(['get', 'deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.status.readyReplicas}'], /^1$/, 5);
  });

  it('restores into a new namespace through namespaceMapping', async () => {
    await s.apply(`apiVersion: velero.io/v1
kind: Restore
metadata: {name: shop-1-copy, namespace: velero}
spec: {backupName: shop-1, namespaceMapping: {shop: shop-copy}}
`);
    await s.until(phase('restore', 'shop-1-copy'), /^Completed$/, 1);
    expect(await s.k('get', 'configmap', 'settings', '-n', 'shop-copy', '-o', 'jsonpath={.data.currency}')).toBe('EUR');
  });

  it('fails a restore from a backup that does not exist, saying so', async () => {
    await s.apply(`apiVersion: velero.io/v1
kind: Restore
metadata: {name: nothing, namespace: velero}
spec: {backupName: nope}
`);
    await s.until(phase('restore', 'nothing'), /^FailedValidation$/);
    expect(await s.k('get', 'restore', 'nothing', '-n', 'velero', '-o', 'jsonpath={.status.validationErrors[0]}')).toBe(
      'backups.velero.io "nope" not found',
    );
  });

  it('marks a backup PartiallyFailed when an item fails, counting the errors', async () => {
    await s.k('annotate', 'configmap', 'settings', '-n', 'shop', 'sandbox.clusterclaw.dev/backup-error=disk full');
    await s.apply(backup('shop-2'));
    await s.until(phase('backup', 'shop-2'), /^PartiallyFailed$/, 1);
    expect(await s.k('get', 'backup', 'shop-2', '-n', 'velero', '-o', 'jsonpath={.status.errors}')).toBe('1');
    await s.k('annotate', 'configmap', 'settings', '-n', 'shop', 'sandbox.clusterclaw.dev/backup-error-');
  });

  it('fires a schedule at once and names its backups <schedule>-<timestamp>', async () => {
    await s.apply(`apiVersion: velero.io/v1
kind: Schedule
metadata: {name: nightly, namespace: velero}
spec:
  schedule: 0 2 * * *
  template: {includedNamespaces: ['*'], excludedNamespaces: [velero]}
`);
    await s.until(phase('schedule', 'nightly'), /^Enabled$/);
    const names = await s.until(
      ['get', 'backup', '-n', 'velero', '-l', 'velero.io/schedule-name=nightly', '-o', 'name'],
      /nightly-\d{14}/,
    );
    expect(names.trim().split('\n')).toHaveLength(1);
  });

  it('fails backups validation while the storage location is unavailable, and recovers when it is back', async () => {
    await s.k(
      'annotate',
      'bsl',
      'default',
      '-n',
      'velero',
      'sandbox.clusterclaw.dev/storage-error=AccessDenied: Access Denied',
    );
    await s.until(phase('bsl', 'default'), /^Unavailable$/);
    expect(await s.k('get', 'bsl', 'default', '-n', 'velero', '-o', 'jsonpath={.status.message}')).toBe(
      'BackupStorageLocation "default" is unavailable: AccessDenied: Access Denied',
    );
    await s.apply(backup('shop-3'));
    await s.until(phase('backup', 'shop-3'), /^FailedValidation$/);
    expect(await s.k('get', 'backup', 'shop-3', '-n', 'velero', '-o', 'jsonpath={.status.validationErrors[0]}')).toBe(
      "backup can't be created because BackupStorageLocation default is in Unavailable status.",
    );
    await s.k('annotate', 'bsl', 'default', '-n', 'velero', 'sandbox.clusterclaw.dev/storage-error-');
    await s.until(phase('bsl', 'default'), /^Available$/);
  });

  it('deletes a backup through a DeleteBackupRequest, as `velero backup delete` does', async () => {
    await s.apply(`apiVersion: velero.io/v1
kind: DeleteBackupRequest
metadata: {name: shop-1-del, namespace: velero}
spec: {backupName: shop-1}
`);
    await s.until(phase('deletebackuprequest', 'shop-1-del'), /^Processed$/);
    expect((await s.kubectl(['get', 'backup', 'shop-1', '-n', 'velero'])).out).toMatch(/NotFound/);
  });
});
