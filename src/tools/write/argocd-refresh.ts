import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { gitopsRef, readGitOps } from './gitops-ref.ts';

export const argocdRefresh = defineWriteTool({
  name: 'argocd_refresh',
  scopeBy: 'owner',
  description:
    'Propose an Argo CD refresh of an Application (the argocd.argoproj.io/refresh annotation): compare Git with the cluster now; hard also drops the manifest cache. Changes no workload. Needs approval.',
  input: z.object({
    namespace: NamespaceName.default('argocd'),
    name: ObjectName,
    hard: z.boolean().default(false),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef('Application', input.namespace, input.name);
    await readGitOps(ctx, ref);
    const mode = input.hard ? 'hard' : 'normal';
    return {
      action: 'argocd_refresh',
      target: { kind: 'Application', namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': mode } } },
      },
      summary: `Refresh (${mode}) Argo CD Application ${input.namespace}/${input.name}: compare Git with the cluster now`,
      risk: 'low',
      blastRadius: { description: 'no workload changes; an automated Application may sync what the refresh finds' },
      rollback: 'nothing to undo (the controller removes the annotation)',
    };
  },
});
