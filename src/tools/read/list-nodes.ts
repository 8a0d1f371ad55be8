import { z } from 'zod';
import { podRequests } from '../../lib/pod-requests.ts';
import { cpuMillis, parseQuantity } from '../../lib/quantity.ts';
import { defineReadTool } from '../define-tool.ts';

// Labels every node has: they never explain a placement failure.
const NOISE = /^(beta\.kubernetes\.io\/|kubernetes\.io\/(hostname|os|arch)$)/;

export const listNodes = defineReadTool({
  name: 'list_nodes',
  description:
    'Nodes with readiness and pressure conditions, cordon state, kubelet version, taints, labels that placement uses, and allocatable CPU/memory versus what scheduled pods request.',
  input: z.object({}),
  async run(ctx) {
    const [nodes, pods] = await Promise.all([ctx.reader.list('v1', 'Node'), ctx.reader.listPods()]);
    return nodes.map((n) => {
      const on = pods.filter(
        (p) => p.spec?.nodeName === n.metadata.name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
      );
      const req = on
        .map(podRequests)
        .reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory }), { cpu: 0, memory: 0 });
      const alloc = n.status?.allocatable ?? {};
      const conditions = (n.status?.conditions ?? []) as any[];
      const ready = conditions.find((c) => c.type === 'Ready');
      return {
        name: n.metadata.name,
        ready: ready ? `${ready.status}${ready.reason ? ` (${ready.reason})` : ''}` : 'Unknown',
        pressure: conditions.filter((c) => c.type !== 'Ready' && c.status === 'True').map((c) => c.type),
        cordoned: Boolean(n.spec?.unschedulable),
        kubelet: n.status?.nodeInfo?.kubeletVersion,
        taints: (n.spec?.taints ?? []).map((t: any) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
        labels: Object.fromEntries(Object.entries(n.metadata.labels ?? {}).filter(([k]) => !NOISE.test(k))),
        pods: on.length,
        cpu: { allocatableMillis: cpuMillis(alloc.cpu), requestedMillis: req.cpu },
        memory: {
          allocatableMi: Math.round((parseQuantity(alloc.memory) ?? 0) / 2 ** 20),
          requestedMi: Math.round(req.memory / 2 ** 20),
        },
      };
    });
  },
});
