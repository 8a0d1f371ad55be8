import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { podCount, readWorkload, templateContainer, WorkloadKind, workloadRef } from './workload.ts';

export const setImage = defineWriteTool({
  name: 'set_image',
  description:
    "Propose a new image for one container of a workload's pod template (kubectl set image). Rolls the pods. Needs approval.",
  input: z.object({
    namespace: NamespaceName,
    kind: WorkloadKind,
    name: ObjectName,
    container: z.string().optional(),
    image: z.string().regex(/^[\w.\-/:@]+$/, 'an image reference'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const obj = await readWorkload(ctx, input.namespace, input.kind, input.name);
    const c = templateContainer(obj, input.container);
    if (c.image === input.image) throw new PlanError(`container ${c.name} already runs ${input.image}`);
    const pods = podCount(obj);
    return {
      action: 'set_image',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: {
        ...workloadRef(input.namespace, input.kind, input.name),
        verb: 'patch',
        patchType: 'strategic',
        body: { spec: { template: { spec: { containers: [{ name: c.name, image: input.image }] } } } },
      },
      summary: `Change the image of container ${c.name} in ${input.kind.toLowerCase()} ${input.namespace}/${input.name} from ${c.image} to ${input.image}`,
      risk: 'medium',
      blastRadius: {
        pods,
        namespaces: [input.namespace],
        description: `${pods} pod(s) of ${input.name} replaced with ${input.image}`,
      },
      rollback: `kubectl set image ${input.kind.toLowerCase()}/${input.name} -n ${input.namespace} ${c.name}=${c.image}`,
      undo: {
        tool: 'set_image',
        input: { namespace: input.namespace, kind: input.kind, name: input.name, container: c.name, image: c.image },
      },
    };
  },
});
