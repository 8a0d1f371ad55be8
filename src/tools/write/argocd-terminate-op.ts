import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { gitopsRef, readGitOps } from './gitops-ref.ts';

export const argocdTerminateOp = defineWriteTool({
  name: 'argocd_terminate_op',
  scopeBy: 'owner',
  description:
    "Propose terminating an Argo CD Application's running sync operation (as `argocd app terminate-op` does: the operation state's phase set to Terminating; the controller stops it and records it Failed). For a sync stuck on a hook or a wave that will not become healthy. Needs approval.",
  input: z.object({
    namespace: NamespaceName.default('argocd'),
    name: ObjectName,
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef('Application', input.namespace, input.name);
    const app = await readGitOps(ctx, ref);
    // Argo CD's TerminateOperation refuses the same way.
    if (!(app as { operation?: unknown }).operation)
      throw new Error(
        `Unable to terminate operation. No operation is in progress on Application ${input.namespace}/${input.name}`,
      );
    const revision = String(app.status?.operationState?.operation?.sync?.revision ?? '').slice(0, 7);
    return {
      action: 'argocd_terminate_op',
      target: { kind: 'Application', namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: { status: { operationState: { phase: 'Terminating' } } },
      },
      summary: `Terminate the running sync operation of Argo CD Application ${input.namespace}/${input.name}${revision ? ` (to ${revision})` : ''}${input.reason ? ` — ${input.reason}` : ''}`,
      risk: 'medium',
      blastRadius: {
        namespaces: [app.spec?.destination?.namespace ?? input.namespace],
        description:
          'the sync stops where it is: resources it already applied stay applied, the rest are not; the Application shows the operation Failed',
      },
      rollback: 'argocd_sync again once the cause is fixed',
    };
  },
});
