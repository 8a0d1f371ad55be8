import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { workloadRef } from './workload.ts';

export const scale = defineWriteTool({
  name: 'scale',
  description:
    'Propose setting the replica count of a Deployment or StatefulSet through its scale subresource (kubectl scale). Needs approval.',
  input: z.object({
    namespace: NamespaceName,
    kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
    name: ObjectName,
    replicas: z.number().int().min(0).max(1000),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = workloadRef(input.namespace, input.kind, input.name);
    const obj = await ctx.reader.read(ref);
    const from = obj.spec?.replicas ?? 1;
    const to = input.replicas;
    const risk = to === 0 ? 'high' : to < from ? 'medium' : 'low';
    return {
      action: 'scale',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: { ...ref, verb: 'patch', subresource: 'scale', patchType: 'merge', body: { spec: { replicas: to } } },
      summary: `Scale ${input.kind.toLowerCase()} ${input.namespace}/${input.name} from ${from} to ${to} replica${to === 1 ? '' : 's'}${to === 0 ? ' (stops serving entirely)' : ''}`,
      risk,
      blastRadius: {
        pods: Math.abs(to - from),
        replicas: to,
        namespaces: [input.namespace],
        description: to > from ? `${to - from} pod(s) added` : `${from - to} pod(s) removed`,
      },
      rollback: `kubectl scale ${input.kind.toLowerCase()}/${input.name} -n ${input.namespace} --replicas=${from} (an HPA, if any, may override either)`,
      undo: {
        tool: 'scale',
        input: { namespace: input.namespace, kind: input.kind, name: input.name, replicas: from },
      },
    };
  },
});
