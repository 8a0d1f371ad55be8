import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { ObjectName } from '../input-names.ts';

export const uncordon = defineWriteTool({
  name: 'uncordon',
  description: 'Propose making a cordoned node schedulable again (kubectl uncordon). Needs approval.',
  input: z.object({ node: ObjectName, reason: z.string().default('') }),
  async plan(ctx, input) {
    await ctx.reader.read({ apiVersion: 'v1', kind: 'Node', name: input.node });
    const pending = (await ctx.reader.listPods(undefined, 'status.phase=Pending')).filter(
      (p) => !p.spec?.nodeName,
    ).length;
    return {
      action: 'uncordon',
      target: { kind: 'Node', name: input.node },
      request: {
        apiVersion: 'v1',
        kind: 'Node',
        name: input.node,
        verb: 'patch',
        patchType: 'strategic',
        body: { spec: { unschedulable: null } },
      },
      summary: `Uncordon node ${input.node} so pods can be scheduled on it again (${pending} pod(s) are waiting for a node)`,
      risk: 'low',
      blastRadius: { pods: pending, description: `${pending} pending pod(s) may be scheduled onto ${input.node}` },
      rollback: `kubectl cordon ${input.node}`,
      undo: { tool: 'cordon', input: { node: input.node } },
    };
  },
});
