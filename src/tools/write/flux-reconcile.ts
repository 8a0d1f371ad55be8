import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { gitopsRef, readGitOps } from './gitops-ref.ts';

export const FLUX_KINDS = ['Kustomization', 'HelmRelease', 'GitRepository'] as const;

export const fluxReconcile = defineWriteTool({
  name: 'flux_reconcile',
  scopeBy: 'owner',
  description:
    'Propose a Flux reconcile now (the reconcile.fluxcd.io/requestedAt annotation, as `flux reconcile` sets it) of a Kustomization, HelmRelease or GitRepository; force re-runs a HelmRelease upgrade. Needs approval.',
  input: z.object({
    kind: z.enum(FLUX_KINDS),
    namespace: NamespaceName.default('flux-system'),
    name: ObjectName,
    force: z
      .boolean()
      .default(false)
      .describe('HelmRelease only: force a Helm install/upgrade (reconcile.fluxcd.io/forceAt)'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = gitopsRef(input.kind, input.namespace, input.name);
    const obj = await readGitOps(ctx, ref);
    if (input.force && input.kind !== 'HelmRelease') throw new Error('force applies to a HelmRelease only');
    const token = ctx.now().toISOString();
    const suspended = Boolean(obj.spec?.suspend);
    return {
      action: 'flux_reconcile',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: {
          metadata: {
            annotations: {
              'reconcile.fluxcd.io/requestedAt': token,
              ...(input.force ? { 'reconcile.fluxcd.io/forceAt': token } : {}),
            },
          },
        },
      },
      summary: `Reconcile Flux ${input.kind} ${input.namespace}/${input.name} now${input.force ? ' (forcing a Helm upgrade)' : ''}${suspended ? ' — it is suspended, so nothing happens until it is resumed' : ''}`,
      risk: input.force ? 'medium' : 'low',
      blastRadius: {
        description: `applies what ${input.kind === 'GitRepository' ? 'the repository now holds, to its consumers at their next reconcile' : 'its source holds now'}`,
      },
      rollback: 'nothing to undo: what was applied is what Git holds (change Git to change it)',
    };
  },
});
