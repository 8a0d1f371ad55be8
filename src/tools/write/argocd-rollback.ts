import { z } from 'zod';
import type { WriteStep } from '../../domain/write-request.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { assertNoOperation, autoSyncOn, gitopsRef, readGitOps } from './gitops-ref.ts';

export const argocdRollback = defineWriteTool({
  name: 'argocd_rollback',
  scopeBy: 'owner',
  description:
    "Propose an Argo CD rollback of an Application to a history entry (a sync to that entry's revision and source with the apply strategy, as the Argo CD API does). Auto-sync is turned off first: Argo CD refuses a rollback while it is on, and would undo it. Needs approval.",
  input: z.object({
    namespace: NamespaceName.default('argocd'),
    name: ObjectName,
    id: z.number().int().min(0).optional().describe('History id; default: the entry before the newest'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef('Application', input.namespace, input.name);
    const app = await readGitOps(ctx, ref);
    assertNoOperation(app);
    const history = (app.status?.history ?? []) as {
      id: number;
      revision: string;
      source?: unknown;
      sources?: unknown;
    }[];
    const entry = input.id === undefined ? history[history.length - 2] : history.find((h) => h.id === input.id);
    if (!entry)
      throw new Error(
        `Application ${input.namespace}/${input.name} has no history entry ${input.id ?? 'before its newest'} (ids: ${history.map((h) => h.id).join(', ') || 'none'})`,
      );
    if (!entry.source && !entry.sources) throw new Error(`history entry ${entry.id} has no source to roll back to`);
    const auto = autoSyncOn(app);
    const steps: WriteStep[] = [
      ...(auto
        ? [
            {
              ...ref,
              verb: 'patch' as const,
              patchType: 'merge' as const,
              body: { spec: { syncPolicy: { automated: null } } },
            },
          ]
        : []),
      {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: {
          operation: {
            initiatedBy: { username: 'clusterclaw' },
            info: [{ name: 'reason', value: input.reason || `ClusterClaw rollback to history ${entry.id}` }],
            sync: {
              revision: entry.revision,
              ...(entry.source ? { source: entry.source } : { sources: entry.sources }),
              prune: false,
              dryRun: false,
              syncOptions: app.spec?.syncPolicy?.syncOptions ?? [],
              syncStrategy: { apply: {} },
            },
          },
          status: { operationState: null },
        },
      },
    ];
    return {
      action: 'argocd_rollback',
      target: { kind: 'Application', namespace: input.namespace, name: input.name },
      request: { verb: 'sequence', steps },
      summary: `Roll back Argo CD Application ${input.namespace}/${input.name} to history ${entry.id} (revision ${entry.revision.slice(0, 7)})${auto ? '; auto-sync is turned off first (Argo CD refuses a rollback while it is on, and would sync Git back over it) — turn it on again once Git holds the fix' : ''}`,
      risk: 'high',
      blastRadius: {
        namespaces: [app.spec?.destination?.namespace ?? input.namespace],
        description: `every resource of the Application returns to revision ${entry.revision.slice(0, 7)}; the Application then shows OutOfSync against its target revision`,
      },
      rollback: `argocd_sync to the target revision${auto ? ', and turn auto-sync back on' : ''}`,
    };
  },
});
