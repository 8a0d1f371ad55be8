import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { FLUX_KINDS } from './flux-reconcile.ts';
import { gitopsRef, readGitOps } from './gitops-ref.ts';

export const fluxResume = defineWriteTool({
  name: 'flux_resume',
  scopeBy: 'owner',
  description:
    'Propose resuming a suspended Flux Kustomization, HelmRelease or GitRepository (spec.suspend: false and a reconcile request, as `flux resume`): Git is applied again and drift reverted. Needs approval.',
  input: z.object({
    kind: z.enum(FLUX_KINDS),
    namespace: NamespaceName.default('flux-system'),
    name: ObjectName,
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef(input.kind, input.namespace, input.name);
    const obj = await readGitOps(ctx, ref);
    if (!obj.spec?.suspend) throw new Error(`${input.kind} ${input.namespace}/${input.name} is not suspended`);
    return {
      action: 'flux_resume',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: {
          metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': ctx.now().toISOString() } },
          spec: { suspend: false },
        },
      },
      summary: `Resume Flux ${input.kind} ${input.namespace}/${input.name}: apply what Git holds now, and revert live changes from then on`,
      risk: 'medium',
      blastRadius: { description: 'whatever changed in Git or live while suspended is reconciled to Git' },
      rollback: `flux_suspend ${input.kind} ${input.namespace}/${input.name}`,
      undo: { tool: 'flux_suspend', input: { kind: input.kind, namespace: input.namespace, name: input.name } },
    };
  },
});
