import { z } from 'zod';
import { redactEnv } from '../../cluster/redact.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const getPod = defineReadTool({
  name: 'get_pod',
  description: 'One pod: container images, resources, states, last termination, restart counts, conditions and owner.',
  input: z.object({ namespace: NamespaceName, name: z.string() }),
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const pod = await ctx.reader.readPod(input.namespace, input.name);
    return {
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      owner: pod.metadata.ownerReferences?.find((r) => r.controller),
      labels: pod.metadata.labels ?? {},
      node: pod.spec?.nodeName,
      phase: pod.status?.phase,
      conditions: (pod.status?.conditions ?? []).map((c: any) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
      containers: (pod.spec?.containers ?? []).map((c: any) => {
        const s = (pod.status?.containerStatuses ?? []).find((x: any) => x.name === c.name) ?? {};
        return {
          name: c.name,
          image: c.image,
          resources: c.resources ?? {},
          env: redactEnv(c.env),
          ready: s.ready ?? false,
          restartCount: s.restartCount ?? 0,
          state: s.state ?? {},
          lastState: s.lastState ?? {},
        };
      }),
    };
  },
});
