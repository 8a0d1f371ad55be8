import { backupStatus } from '../analyzers/backup/backup-status.ts';
import { readBackupSnapshot } from '../cluster/backup-reader.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import type { WriteRequest } from '../domain/write-request.ts';
import { type PolicyInput, reachedNamespaces } from '../policy/evaluate.ts';
import { backupRequirements, missingBackup } from '../policy/require-backup.ts';
import { requestReach } from './canonical-request.ts';

/**
 * What policy.requireBackup needs to judge a change: each namespace's newest good Velero backup
 * age, read only when an entry applies to the action (undefined otherwise, or when it cannot be
 * read — which policy takes as "not checked" and denies).
 */
export async function backupAges(
  reader: KubeReader,
  config: Config,
  action: string,
  cluster: string,
): Promise<PolicyInput['backups']> {
  if (!backupRequirements(config.policy, action, cluster).length) return undefined;
  try {
    const snapshot = await readBackupSnapshot(reader);
    if (snapshot.unavailable.length) return undefined;
    const report = backupStatus(snapshot);
    return Object.fromEntries(
      snapshot.namespaces.map((n) => {
        const good = report.namespaces.find((x) => x.namespace === n.name)?.lastGood;
        return [n.name, { ageHours: good?.ageHours ?? null, holdsData: n.holdsData }];
      }),
    );
  } catch {
    return undefined;
  }
}

/**
 * The executor's last look before a change policy.requireBackup covers: a backup fresh when the
 * change was proposed may have aged (or been deleted) by the time it is approved. The reason it
 * is refused, or undefined.
 */
export async function staleBackupAtExecution(
  reader: KubeReader,
  config: Config,
  p: { action: string; cluster: string; target: PolicyInput['target']; request: WriteRequest },
): Promise<string | undefined> {
  if (!backupRequirements(config.policy, p.action, p.cluster).length) return undefined;
  const reach = requestReach(p.request);
  const input = {
    action: p.action,
    cluster: p.cluster,
    target: p.target,
    namespaces: reach.namespaces,
    evictions: reach.evictions,
    backups: await backupAges(reader, config, p.action, p.cluster),
  };
  const miss = missingBackup(input as PolicyInput, config.policy, reachedNamespaces(input));
  return miss && `${miss.reason} (rule ${miss.rule})`;
}
