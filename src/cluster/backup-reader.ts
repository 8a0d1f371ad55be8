import type { BackupSnapshot } from '../domain/backup-report.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { KubeReader } from './kube-reader.ts';

const VELERO = 'velero.io/v1';

/**
 * One read of what the backup analyzers need: Velero's Backups, Schedules, Restores and storage
 * locations wherever Velero keeps them (every namespace: usually `velero`), and the namespaces in
 * scope with whether they hold workloads or claims. What may not be read is listed in `unavailable`.
 */
export async function readBackupSnapshot(reader: KubeReader, namespace?: string): Promise<BackupSnapshot> {
  const unavailable: string[] = [];
  const get = (what: string, p: Promise<KubeObject[]>) =>
    p.catch((e) => {
      const code = (e as { code?: number }).code;
      unavailable.push(`${what}: ${code === 403 ? 'no permission to list them' : (e as Error).message}`);
      return [] as KubeObject[];
    });
  const served = await reader.isNamespaced(VELERO, 'Backup').catch(() => undefined);
  const velero = served
    ? Promise.all([
        get('Velero backups', reader.list(VELERO, 'Backup')),
        get('Velero schedules', reader.list(VELERO, 'Schedule')),
        get('Velero restores', reader.list(VELERO, 'Restore')),
        get('Velero backup storage locations', reader.list(VELERO, 'BackupStorageLocation')),
      ]).then(([backups, schedules, restores, locations]) => ({ backups, schedules, restores, locations }))
    : Promise.resolve(undefined);
  const [namespaces, deployments, statefulSets, claims, v] = await Promise.all([
    namespace
      ? get(
          'namespaces',
          reader.read({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).then((n) => [n]),
        )
      : get('namespaces', reader.list('v1', 'Namespace')),
    get('deployments', reader.list('apps/v1', 'Deployment', namespace)),
    get('statefulsets', reader.list('apps/v1', 'StatefulSet', namespace)),
    get('persistentvolumeclaims', reader.list('v1', 'PersistentVolumeClaim', namespace)),
    velero,
  ]);
  const holding = new Set([...deployments, ...statefulSets, ...claims].map((o) => o.metadata.namespace));
  return {
    ...(namespace ? { namespace } : {}),
    now: new Date(),
    namespaces: namespaces.map((n) => ({ name: n.metadata.name, holdsData: holding.has(n.metadata.name) })),
    ...(v ? { velero: v } : {}),
    unavailable,
  };
}
