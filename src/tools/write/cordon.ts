import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { ObjectName } from '../input-names.ts';

export const cordon = defineWriteTool({
  name: 'cordon',
  description:
    'Propose marking a node unschedulable (kubectl cordon): running pods stay, new pods go elsewhere. Needs approval.',
  input: z.object({ node: ObjectName, reason: z.string().default('') }),
  async plan(ctx, input) {
    const node = await ctx.reader.read({ apiVersion: 'v1', kind: 'Node', name: input.node });
    const pods = (await ctx.reader.listPods(undefined, `spec.nodeName=${input.node}`)).length;
    return {
      action: 'cordon',
      target: { kind: 'Node', name: input.node },
      request: {
        apiVersion: 'v1',
        kind: 'Node',
        name: input.node,
        verb: 'patch',
        patchType: 'strategic',
        body: { spec: { unschedulable: true } },
      },
      summary: `Cordon node ${input.node}${node.spec?.unschedulable ? ' (already cordoned)' : ''}: no new pods; its ${pods} running pod(s) stay`,
      risk: 'low',
      blastRadius: { pods: 0, description: `no pods move; ${pods} pod(s) keep running on ${input.node}` },
      rollback: `kubectl uncordon ${input.node}`,
      ...(node.spec?.unschedulable ? {} : { undo: { tool: 'uncordon', input: { node: input.node } } }),
    };
  },
});
