import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { FLUX_KINDS } from './flux-reconcile.ts';
import { gitopsRef, readGitOps } from './gitops-ref.ts';

export const fluxSuspend = defineWriteTool({
  name: 'flux_suspend',
  scopeBy: 'owner',
  description:
    'Propose suspending a Flux Kustomization, HelmRelease or GitRepository (spec.suspend: true, as `flux suspend`): Git changes stop being applied and drift stops being corrected. Needs approval.',
  input: z.object({
    kind: z.enum(FLUX_KINDS),
    namespace: NamespaceName.default('flux-system'),
    name: ObjectName,
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef(input.kind, input.namespace, input.name);
    const obj = await readGitOps(ctx, ref);
    if (obj.spec?.suspend) throw new Error(`${input.kind} ${input.namespace}/${input.name} is already suspended`);
    return {
      action: 'flux_suspend',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: { ...ref, verb: 'patch', patchType: 'merge', body: { spec: { suspend: true } } },
      summary: `Suspend Flux ${input.kind} ${input.namespace}/${input.name}: Git changes stop being applied and live changes are no longer reverted`,
      risk: 'medium',
      blastRadius: { description: 'no workload changes now; the cluster stops following Git until resumed' },
      rollback: `flux_resume ${input.kind} ${input.namespace}/${input.name}`,
      undo: { tool: 'flux_resume', input: { kind: input.kind, namespace: input.namespace, name: input.name } },
    };
  },
});
