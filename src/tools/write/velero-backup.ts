import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';
import { stampedName, usableLocation, VELERO_API } from './velero-location.ts';

export const veleroBackup = defineWriteTool({
  name: 'velero_backup',
  description:
    'Propose a Velero backup of one namespace now (a Backup object, as `velero backup create --include-namespaces NS` makes), to the default or a named storage location, kept for ttl. Needs approval.',
  input: z.object({
    namespace: NamespaceName.describe('The namespace to back up'),
    ttl: z
      .string()
      .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, 'a Go duration such as 720h0m0s or 72h')
      .default('720h0m0s')
      .describe('How long Velero keeps it (default 30 days)'),
    storageLocation: z.string().max(63).optional().describe('BackupStorageLocation name; default: the default one'),
    snapshotVolumes: z.boolean().optional().describe('Snapshot persistent volumes (default: Velero server setting)'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const bsl = await usableLocation(ctx, { name: input.storageLocation, forWriting: true });
    const veleroNs = bsl.metadata.namespace!;
    const name = stampedName(`${input.namespace}-claw`, ctx.now());
    const [deployments, statefulSets, claims] = await Promise.all([
      ctx.reader.list('apps/v1', 'Deployment', input.namespace),
      ctx.reader.list('apps/v1', 'StatefulSet', input.namespace),
      ctx.reader.list('v1', 'PersistentVolumeClaim', input.namespace),
    ]);
    return {
      action: 'velero_backup',
      target: { kind: 'Backup', namespace: veleroNs, name },
      request: {
        apiVersion: VELERO_API,
        kind: 'Backup',
        namespace: veleroNs,
        name,
        verb: 'patch',
        patchType: 'apply',
        body: {
          apiVersion: VELERO_API,
          kind: 'Backup',
          metadata: { name, namespace: veleroNs, labels: { 'app.kubernetes.io/created-by': 'clusterclaw' } },
          spec: {
            includedNamespaces: [input.namespace],
            storageLocation: bsl.metadata.name,
            ttl: input.ttl,
            ...(input.snapshotVolumes !== undefined ? { snapshotVolumes: input.snapshotVolumes } : {}),
          },
        },
      },
      summary: `Back up namespace ${input.namespace} with Velero now (backup ${name} to ${bsl.spec?.provider ?? ''} location ${bsl.metadata.name}, kept ${input.ttl}): ${deployments.length} Deployment(s), ${statefulSets.length} StatefulSet(s), ${claims.length} claim(s)`,
      risk: 'low',
      blastRadius: {
        namespaces: [input.namespace],
        description: `reads namespace ${input.namespace} and writes a copy to object storage; nothing in the namespace changes`,
      },
      rollback: `velero backup delete ${name} -n ${veleroNs} (a DeleteBackupRequest; never delete the Backup object itself)`,
    };
  },
});
