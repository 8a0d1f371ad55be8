import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { assertNoOperation, autoSyncOn, gitopsRef, readGitOps } from './gitops-ref.ts';

export const argocdSync = defineWriteTool({
  name: 'argocd_sync',
  scopeBy: 'owner',
  description:
    'Propose an Argo CD sync of an Application (its operation field, as the Argo CD API sets it): apply what Git holds at its target revision, or at a given revision. Needs approval.',
  input: z.object({
    namespace: NamespaceName.default('argocd').describe('Where the Application lives (argocd)'),
    name: ObjectName,
    revision: z.string().max(200).optional().describe('Commit, tag or branch; default: the target revision'),
    prune: z.boolean().default(false).describe('Delete what Git no longer declares'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef('Application', input.namespace, input.name);
    const app = await readGitOps(ctx, ref);
    assertNoOperation(app);
    const outOfSync = ((app.status?.resources ?? []) as any[]).filter((r) => r.status === 'OutOfSync');
    const prunes = outOfSync.filter((r) => r.requiresPruning).length;
    const target = input.revision ?? app.spec?.source?.targetRevision ?? 'HEAD';
    return {
      action: 'argocd_sync',
      target: { kind: 'Application', namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: {
          operation: {
            initiatedBy: { username: 'clusterclaw' },
            info: [{ name: 'reason', value: input.reason || 'ClusterClaw sync' }],
            sync: {
              ...(input.revision ? { revision: input.revision } : {}),
              prune: input.prune,
              syncStrategy: { hook: {} },
            },
          },
          status: { operationState: null },
        },
      },
      summary: `Sync Argo CD Application ${input.namespace}/${input.name} to ${target} (${outOfSync.length} resource(s) out of sync${input.prune && prunes ? `, ${prunes} pruned` : ''})`,
      risk: input.prune && prunes ? 'high' : 'medium',
      blastRadius: {
        namespaces: [app.spec?.destination?.namespace ?? input.namespace],
        description: outOfSync.length
          ? `applies ${outOfSync.map((r) => `${r.kind}/${r.name}`).join(', ')}${autoSyncOn(app) ? ' (auto-sync would do the same at its next sync)' : ''}`
          : 'nothing is out of sync: re-applies the same state',
      },
      rollback: 'argocd_rollback to the previous history entry (auto-sync must be off for a rollback)',
    };
  },
});
