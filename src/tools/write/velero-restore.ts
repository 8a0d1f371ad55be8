import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { coversNamespace } from '../../lib/velero-scope.ts';
import { defineWriteTool, type ToolContext } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { stampedName, usableLocation, VELERO_API } from './velero-location.ts';

/** What a namespace restore may meet in place: the objects people name. */
const LIVE_KINDS: [string, string][] = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'CronJob'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'PersistentVolumeClaim'],
];

export const veleroRestore = defineWriteTool({
  name: 'velero_restore',
  description:
    'Propose restoring a namespace (or chosen resources of it) from a named Velero backup, into itself or into a new namespace (a Restore object, as `velero restore create --from-backup` makes). High risk: the card lists what the backup holds and what already exists that the restore would keep or overwrite. Needs approval.',
  input: z.object({
    namespace: NamespaceName.describe('The namespace in the backup to restore'),
    backup: ObjectName.describe('The Backup to restore from'),
    targetNamespace: NamespaceName.optional().describe('Restore into this namespace instead (namespaceMapping)'),
    resources: z
      .array(z.string().regex(/^[a-z0-9.*-]+$/))
      .max(20)
      .optional()
      .describe('Only these resources, as Velero names them (deployments, configmaps, persistentvolumeclaims…)'),
    existingResourcePolicy: z
      .enum(['none', 'update'])
      .default('none')
      .describe('none: keep what exists (Velero default); update: overwrite it with the backed-up copy'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const backup = await findBackup(ctx, input.backup);
    const phase = backup.status?.phase;
    if (phase !== 'Completed' && phase !== 'PartiallyFailed')
      throw new PlanError(`backup ${input.backup} cannot be restored from: its phase is ${phase ?? 'New'}`);
    if (backup.status?.expiration && Date.parse(backup.status.expiration) < ctx.now().getTime())
      throw new PlanError(`backup ${input.backup} expired at ${backup.status.expiration}`);
    if (!coversNamespace(backup.spec, input.namespace))
      throw new PlanError(
        `backup ${input.backup} does not include namespace ${input.namespace} (it includes ${(backup.spec?.includedNamespaces ?? ['*']).join(', ')})`,
      );
    const veleroNs = backup.metadata.namespace!;
    const bsl = await usableLocation(ctx, {
      name: backup.spec?.storageLocation || backup.metadata.labels?.['velero.io/storage-location'],
      veleroNamespace: veleroNs,
      forWriting: false,
    });
    const into = input.targetNamespace ?? input.namespace;
    const existing = await liveObjects(ctx, into, input.resources);
    const name = stampedName(input.backup, ctx.now());
    const holds = `${backup.status?.progress?.itemsBackedUp ?? backup.status?.progress?.totalItems ?? '?'} items of ${scopeText(backup.spec)}, ${phase === 'PartiallyFailed' ? `PARTIALLY FAILED (${backup.status?.errors ?? '?'} errors)` : 'completed'} ${backup.status?.completionTimestamp ?? ''}`;
    const keep =
      input.existingResourcePolicy === 'update'
        ? 'overwritten by the backed-up copy'
        : 'kept as they are (Velero skips them with a warning)';
    const named = existing.slice(0, 15).join(', ') + (existing.length > 15 ? ` and ${existing.length - 15} more` : '');
    return {
      action: 'velero_restore',
      target: { kind: 'Restore', namespace: veleroNs, name },
      request: {
        apiVersion: VELERO_API,
        kind: 'Restore',
        namespace: veleroNs,
        name,
        verb: 'patch',
        patchType: 'apply',
        body: {
          apiVersion: VELERO_API,
          kind: 'Restore',
          metadata: { name, namespace: veleroNs, labels: { 'app.kubernetes.io/created-by': 'clusterclaw' } },
          spec: {
            backupName: input.backup,
            includedNamespaces: [input.namespace],
            ...(input.targetNamespace ? { namespaceMapping: { [input.namespace]: input.targetNamespace } } : {}),
            ...(input.resources?.length ? { includedResources: input.resources } : {}),
            existingResourcePolicy: input.existingResourcePolicy,
            restorePVs: true,
          },
        },
      },
      summary: `Restore namespace ${input.namespace}${input.resources?.length ? ` (${input.resources.join(', ')})` : ''} from backup ${input.backup} into ${input.targetNamespace ? `new namespace ${into}` : 'itself'}: the backup holds ${holds}; ${existing.length} object(s) already in ${into} would be ${keep}`,
      risk: 'high',
      blastRadius: {
        namespaces: [into],
        description: `restores from ${bsl.metadata.name} into ${into}. Already there (${keep}): ${named || 'nothing'}`,
      },
      rollback:
        input.existingResourcePolicy === 'update'
          ? `what was overwritten is not kept: back ${into} up first (velero_backup) to be able to return to it`
          : `delete what the restore created: kubectl delete all,cm,pvc -n ${into} -l velero.io/restore-name=${name}`,
    };
  },
});

async function findBackup(ctx: ToolContext, name: string): Promise<KubeObject> {
  if ((await ctx.reader.isNamespaced(VELERO_API, 'Backup').catch(() => undefined)) === undefined)
    throw new PlanError('this cluster does not serve velero.io Backups: is Velero installed?');
  const found = (await ctx.reader.list(VELERO_API, 'Backup')).filter((b) => b.metadata.name === name);
  if (!found.length) throw new PlanError(`there is no Velero backup named ${name}`);
  return found[0]!;
}

/** `Deployment web`, … : what exists now where the restore writes (names only, never values). */
async function liveObjects(ctx: ToolContext, namespace: string, resources?: string[]): Promise<string[]> {
  const ns = await ctx.reader.find({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (!ns) return [];
  const wanted = LIVE_KINDS.filter(
    ([, kind]) =>
      !resources?.length ||
      resources.some((r) => r === '*' || r.split('.')[0] === `${kind.toLowerCase()}s` || r === kind.toLowerCase()),
  );
  const lists = await Promise.all(wanted.map(([api, kind]) => ctx.reader.list(api, kind, namespace)));
  return lists.flatMap((l, i) =>
    l
      .filter((o) => !o.metadata.ownerReferences?.some((r) => r.controller))
      .map((o) => `${wanted[i]![1]} ${o.metadata.name}`),
  );
}

/** "shop", "every namespace except kube-system, velero", "… (only deployments; without events)". */
function scopeText(spec: KubeObject['spec']): string {
  const inc = (spec?.includedNamespaces ?? []) as string[];
  const exc = (spec?.excludedNamespaces ?? []) as string[];
  const all = !inc.length || inc.includes('*');
  const ns = all ? `every namespace${exc.length ? ` except ${exc.join(', ')}` : ''}` : inc.join(', ');
  const only = spec?.includedResources?.length ? `only ${spec.includedResources.join(', ')}` : '';
  const without = spec?.excludedResources?.length ? `without ${spec.excludedResources.join(', ')}` : '';
  const res = [only, without].filter(Boolean).join('; ');
  return res ? `${ns} (${res})` : ns;
}
