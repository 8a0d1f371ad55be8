import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { parseQuantity } from '../../lib/quantity.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

export const expandPvc = defineWriteTool({
  name: 'expand_pvc',
  description:
    'Propose growing a PersistentVolumeClaim (its storage class must allow volume expansion). Claims cannot shrink again. Needs approval.',
  input: z.object({
    namespace: NamespaceName,
    name: ObjectName,
    size: z.string().regex(/^\d+(Mi|Gi|Ti)$/, 'a size such as 20Gi'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: input.namespace, name: input.name };
    const pvc = await ctx.reader.read(ref);
    const current = pvc.spec?.resources?.requests?.storage;
    if ((parseQuantity(input.size) ?? 0) <= (parseQuantity(current) ?? 0))
      throw new PlanError(`claim ${input.namespace}/${input.name} is already ${current}; a claim can only grow`);
    const users = (await ctx.reader.listPods(input.namespace)).filter((p) =>
      (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === input.name),
    );
    return {
      action: 'expand_pvc',
      target: { kind: 'PersistentVolumeClaim', namespace: input.namespace, name: input.name },
      request: {
        ...ref,
        verb: 'patch',
        patchType: 'merge',
        body: { spec: { resources: { requests: { storage: input.size } } } },
      },
      summary: `Grow claim ${input.namespace}/${input.name} from ${current} to ${input.size}`,
      risk: 'medium',
      blastRadius: {
        pods: users.length,
        namespaces: [input.namespace],
        description: `${users.length} pod(s) using the claim; the filesystem grows online`,
      },
      rollback: 'none: a PersistentVolumeClaim cannot be shrunk; restore from a backup into a smaller claim if needed',
    };
  },
});
