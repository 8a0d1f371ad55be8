import { z } from 'zod';
import { rolloutHistory } from '../../analyzers/rollout.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const rolloutHistoryTool = defineReadTool({
  name: 'rollout_history',
  description:
    "A Deployment's revisions from its ReplicaSets: images, replicas, ready and available counts, and which revision is current.",
  input: z.object({ namespace: NamespaceName, deployment: z.string() }),
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const deployment = await ctx.reader.readDeployment(input.namespace, input.deployment);
    const replicaSets = await ctx.reader.listReplicaSets(input.namespace);
    return rolloutHistory(deployment, replicaSets);
  },
});
