import { z } from 'zod';
import { REVISION } from '../../analyzers/rollout.ts';
import { NoPreviousRevisionError } from '../../domain/errors.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

export const rolloutUndo = defineWriteTool({
  name: 'rollout_undo',
  description:
    'Propose rolling a Deployment back to an earlier revision (default: the previous one), as kubectl rollout undo does. Needs approval.',
  input: z.object({
    namespace: NamespaceName,
    name: ObjectName,
    toRevision: z.number().int().positive().optional(),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const d = await ctx.reader.readDeployment(input.namespace, input.name);
    const current = Number(d.metadata.annotations?.[REVISION] ?? 0);
    const owned = (await ctx.reader.listReplicaSets(input.namespace)).filter((rs) =>
      rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid),
    );
    const revisionOf = (rs: (typeof owned)[number]) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
    const target = input.toRevision
      ? owned.find((rs) => revisionOf(rs) === input.toRevision)
      : owned.filter((rs) => revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    if (!target)
      throw new NoPreviousRevisionError(
        `deployment ${input.namespace}/${input.name} has no ${input.toRevision ? `revision ${input.toRevision}` : 'previous revision'} to roll back to`,
      );
    const template = structuredClone(target.spec.template);
    delete template.metadata?.labels?.['pod-template-hash'];
    const from = (d.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).join(', ');
    const to = (template.spec?.containers ?? []).map((c: any) => c.image).join(', ');
    const replicas = d.spec?.replicas ?? 1;
    return {
      action: 'rollout_undo',
      target: { kind: 'Deployment', namespace: input.namespace, name: input.name },
      // kubectl's rollback is a JSON patch replacing the pod template. The `test` on generation
      // makes the server itself refuse the patch if the spec moved after approval.
      request: {
        verb: 'patch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: input.namespace,
        name: input.name,
        patchType: 'json',
        body: [
          { op: 'test', path: '/metadata/generation', value: d.metadata.generation },
          { op: 'replace', path: '/spec/template', value: template },
        ],
      },
      summary: `Roll back deployment ${input.namespace}/${input.name} from revision ${current} (${from}) to revision ${revisionOf(target)} (${to})`,
      risk: 'medium',
      blastRadius: {
        pods: replicas,
        namespaces: [input.namespace],
        description: `${replicas} pod(s) of ${input.name} move to revision ${revisionOf(target)}'s pod template`,
      },
      rollback: `kubectl rollout undo deployment/${input.name} -n ${input.namespace} --to-revision=${current} (the current template becomes a new revision)`,
      ...(current
        ? {
            undo: {
              tool: 'rollout_undo',
              input: { namespace: input.namespace, name: input.name, toRevision: current },
            },
          }
        : {}),
    };
  },
});
