import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { podCount, readWorkload, WorkloadKind, workloadRef } from './workload.ts';

export const rolloutRestart = defineWriteTool({
  name: 'rollout_restart',
  description:
    "Propose replacing a workload's pods with fresh ones (kubectl rollout restart). Needs approval; never runs by itself.",
  input: z.object({ namespace: NamespaceName, kind: WorkloadKind, name: ObjectName, reason: z.string().default('') }),
  async plan(ctx, input) {
    const obj = await readWorkload(ctx, input.namespace, input.kind, input.name);
    const pods = podCount(obj);
    return {
      action: 'rollout_restart',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      // kubectl's exact patch: a strategic merge of the restartedAt pod-template annotation.
      request: {
        ...workloadRef(input.namespace, input.kind, input.name),
        verb: 'patch',
        patchType: 'strategic',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': ctx.now().toISOString() } } },
          },
        },
      },
      summary: `Restart ${input.kind.toLowerCase()} ${input.namespace}/${input.name} (${pods} pod${pods === 1 ? '' : 's'} replaced by a rolling update)`,
      risk: 'low',
      blastRadius: {
        pods,
        namespaces: [input.namespace],
        description: `${pods} pod(s) of ${input.name} replaced one by one per its update strategy`,
      },
      rollback: 'nothing to undo: the pod template is unchanged apart from the restartedAt annotation',
    };
  },
});
