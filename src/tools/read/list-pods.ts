import { z } from 'zod';
import { podSummary } from '../../analyzers/pod-health.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listPods = defineReadTool({
  name: 'list_pods',
  description:
    'List pods with phase, readiness, restarts, the reason a container is not running, and the owning controller.',
  input: z.object({ namespace: NamespaceName.optional().describe('Namespace; omit for every namespace in scope') }),
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const pods = await ctx.reader.listPods(namespace);
    return pods.map((p) => podSummary(p, ctx.now()));
  },
});
