import { z } from 'zod';
import { defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listNamespaces = defineReadTool({
  name: 'list_namespaces',
  description:
    'Namespaces with their phase and, per namespace, ResourceQuota usage against hard limits and LimitRange defaults.',
  input: z.object({ namespace: NamespaceName.optional().describe('One namespace, for its quotas in detail') }),
  narrow: 'pass one namespace',
  async run(ctx, input) {
    const only = input.namespace ?? ctx.namespace;
    const [namespaces, quotas, limits] = await Promise.all([
      ctx.reader.list('v1', 'Namespace'),
      ctx.reader.list('v1', 'ResourceQuota', only),
      ctx.reader.list('v1', 'LimitRange', only),
    ]);
    return namespaces
      .filter((n) => !only || n.metadata.name === only)
      .map((n) => ({
        name: n.metadata.name,
        phase: n.status?.phase,
        quotas: quotas
          .filter((q) => q.metadata.namespace === n.metadata.name)
          .map((q) => ({
            name: q.metadata.name,
            used: q.status?.used ?? {},
            hard: q.status?.hard ?? q.spec?.hard ?? {},
          })),
        limitRanges: limits
          .filter((l) => l.metadata.namespace === n.metadata.name)
          .map((l) => ({ name: l.metadata.name, limits: l.spec?.limits ?? [] })),
      }));
  },
});
