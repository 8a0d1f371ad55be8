import type { BackupRequirement, PolicyConfig } from '../config/policy-config.ts';
import type { PolicyInput } from './evaluate.ts';

/** The policy.requireBackup entries that apply to this action on this cluster. */
export function backupRequirements(policy: PolicyConfig, action: string, cluster: string): BackupRequirement[] {
  return policy.requireBackup.filter(
    (r) => r.actions.includes(action) && (!r.clusters || r.clusters.includes(cluster)),
  );
}

/**
 * The first policy.requireBackup entry a change misses: a namespace it reaches (or, changing the
 * whole cluster, one the entry lists or any holding data) without a good backup within maxAgeHours.
 */
export function missingBackup(
  input: PolicyInput,
  policy: PolicyConfig,
  reached: string[],
  trace: string[] = [],
): { rule: string; reason: string } | undefined {
  for (const r of backupRequirements(policy, input.action, input.cluster)) {
    const rule = `require-backup:${r.name}`;
    const known = input.backups ?? {};
    const need = reached.length
      ? reached.filter((n) => !r.namespaces || r.namespaces.includes(n))
      : (r.namespaces ?? Object.keys(known).filter((n) => known[n]!.holdsData));
    if (!need.length) {
      trace.push(`${rule}: reaches no namespace it names`);
      continue;
    }
    if (!input.backups) return { rule, reason: 'the backups this change requires could not be checked' };
    const stale = need.filter((n) => (known[n]?.ageHours ?? Number.POSITIVE_INFINITY) > r.maxAgeHours);
    if (stale.length)
      return {
        rule,
        reason: `${stale
          .map(
            (n) =>
              `namespace ${n} ${known[n]?.ageHours == null ? 'has no good backup' : `was last backed up ${known[n]!.ageHours}h ago`}`,
          )
          .join(
            '; ',
          )}: policy requires a good backup newer than ${r.maxAgeHours}h before ${input.action} (back it up first: velero_backup)`,
      };
    trace.push(`${rule}: ${need.join(', ')} backed up within ${r.maxAgeHours}h`);
  }
  return undefined;
}
