import { z } from 'zod';
import { defineWriteTool } from '../define-tool.ts';

export const rolloutRestart = defineWriteTool({
  name: 'rollout_restart',
  description: "Propose replacing a Deployment's pods with fresh ones (kubectl rollout restart). Needs approval; never runs by itself.",
  input: z.object({ namespace: z.string(), deployment: z.string(), reason: z.string().default('') }),
  async plan(ctx, input) {
    const d = await ctx.reader.readDeployment(input.namespace, input.deployment);
    const replicas = d.spec?.replicas ?? 1;
    return {
      action: 'rollout_restart',
      target: { kind: 'Deployment', namespace: input.namespace, name: input.deployment },
      // kubectl's exact patch: a strategic merge of the restartedAt pod-template annotation.
      request: {
        verb: 'patch', kind: 'Deployment', namespace: input.namespace, name: input.deployment, patchType: 'strategic',
        body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': ctx.now().toISOString() } } } } },
      },
      summary: `Restart deployment ${input.namespace}/${input.deployment} (${replicas} pod${replicas === 1 ? '' : 's'} replaced by a rolling update)`,
      risk: 'low',
      blastRadius: { pods: replicas, namespaces: [input.namespace], description: `${replicas} pod(s) of ${input.deployment} replaced one by one per its rolling-update strategy` },
    };
  },
});
