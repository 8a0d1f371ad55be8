import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

export const deletePod = defineWriteTool({
  name: 'delete_pod',
  description:
    'Propose deleting one pod so its controller recreates it (a stuck or wedged pod). A pod without a controller is gone for good. Needs approval.',
  input: z.object({ namespace: NamespaceName, name: ObjectName, reason: z.string().default('') }),
  async plan(ctx, input) {
    const pod = await ctx.reader.readPod(input.namespace, input.name);
    const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
    return {
      action: 'delete_pod',
      target: { kind: 'Pod', namespace: input.namespace, name: input.name },
      // The uid precondition makes the server refuse if a different pod took the name since approval.
      request: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: input.namespace,
        name: input.name,
        verb: 'delete',
        uid: pod.metadata.uid,
      },
      summary: `Delete pod ${input.namespace}/${input.name}${owner ? ` (${owner.kind} ${owner.name} creates a replacement)` : ' (no controller: it will not come back)'}`,
      risk: owner ? 'low' : 'high',
      blastRadius: {
        pods: 1,
        namespaces: [input.namespace],
        description: owner ? `1 pod of ${owner.kind} ${owner.name} replaced` : '1 unmanaged pod removed permanently',
      },
      rollback: owner
        ? 'nothing to undo: the controller recreates the pod from its template'
        : 'recreate the pod from its manifest (kubectl get pod -o yaml before approving)',
    };
  },
});
