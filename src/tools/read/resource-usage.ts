import { z } from 'zod';
import { cpuMillis, parseQuantity } from '../../lib/quantity.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

const mi = (q: string | undefined) => (q === undefined ? undefined : Math.round((parseQuantity(q) ?? 0) / 2 ** 20));

export const resourceUsage = defineReadTool({
  name: 'resource_usage',
  description:
    'Live CPU and memory usage per container (from metrics.k8s.io) next to its requests and limits, and per node against allocatable. Says so when the cluster has no metrics API.',
  input: z.object({ namespace: NamespaceName.optional(), pod: z.string().optional().describe('Only this pod') }),
  narrow: 'pass a namespace or a pod',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const metrics = await ctx.reader.listPodMetrics(namespace);
    if (!metrics)
      return {
        available: false,
        note: 'this cluster does not serve metrics.k8s.io (no metrics-server); usage is unknown',
      };
    const pods = await ctx.reader.listPods(namespace);
    const containers = metrics
      .filter((m) => !input.pod || m.metadata.name === input.pod)
      .flatMap((m) => {
        const pod = pods.find(
          (p) => p.metadata.name === m.metadata.name && p.metadata.namespace === m.metadata.namespace,
        );
        return ((m.containers ?? []) as { name: string; usage: { cpu: string; memory: string } }[]).map((u) => {
          const spec = (pod?.spec?.containers ?? []).find((c: any) => c.name === u.name)?.resources ?? {};
          const cpu = Math.round((parseQuantity(u.usage.cpu) ?? 0) * 1000);
          const limit = cpuMillis(spec.limits?.cpu);
          return {
            pod: `${m.metadata.namespace}/${m.metadata.name}`,
            container: u.name,
            cpu: {
              usedMillis: cpu,
              requestMillis: cpuMillis(spec.requests?.cpu),
              limitMillis: limit,
              ...(limit ? { ofLimit: `${Math.round((100 * cpu) / limit)}%` } : {}),
            },
            memory: {
              usedMi: mi(u.usage.memory),
              requestMi: mi(spec.requests?.memory),
              limitMi: mi(spec.limits?.memory),
            },
          };
        });
      });
    const nodes = input.pod
      ? []
      : (await ctx.reader.list('metrics.k8s.io/v1beta1', 'NodeMetrics').catch(() => [])).map((n: any) => ({
          node: n.metadata.name,
          cpuMillis: Math.round((parseQuantity(n.usage?.cpu) ?? 0) * 1000),
          memoryMi: mi(n.usage?.memory),
        }));
    return { available: true, containers, nodes };
  },
});
