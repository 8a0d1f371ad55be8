import { z } from 'zod';
import { backupStatus } from '../../analyzers/backup/backup-status.ts';
import { readBackupSnapshot } from '../../cluster/backup-reader.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const backupStatusTool = defineReadTool({
  name: 'backup_status',
  description:
    "Velero backups of a namespace or every namespace: the schedules that cover it, its last good backup and its age against the schedule, failed or partially failed backups with their reasons, unavailable storage locations, failed restores — and whether it can be restored now. Answers 'is X backed up? can we restore it?'.",
  input: z.object({
    namespace: NamespaceName.optional().describe('Namespace; omit for every namespace in scope'),
  }),
  budget: 30_000,
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    return backupStatus(await readBackupSnapshot(ctx.reader, namespace));
  },
});
