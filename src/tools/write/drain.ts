import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import type { WriteStep } from '../../domain/write-request.ts';
import { defineWriteTool } from '../define-tool.ts';
import { ObjectName } from '../input-names.ts';

export const drain = defineWriteTool({
  name: 'drain',
  description:
    'Propose draining a node (kubectl drain --ignore-daemonsets): cordon it, then evict its pods through the Eviction API so PodDisruptionBudgets are honoured. Needs approval.',
  input: z.object({ node: ObjectName, reason: z.string().default('') }),
  async plan(ctx, input) {
    await ctx.reader.read({ apiVersion: 'v1', kind: 'Node', name: input.node });
    const pods = (await ctx.reader.listPods(undefined, `spec.nodeName=${input.node}`)).filter(
      (p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    const controller = (p: (typeof pods)[number]) => p.metadata.ownerReferences?.find((r) => r.controller);
    const mirror = (p: (typeof pods)[number]) => Boolean(p.metadata.annotations?.['kubernetes.io/config.mirror']);
    const unmanaged = pods.filter((p) => !controller(p) && !mirror(p));
    // kubectl refuses these without --force: deleting them loses them for good.
    if (unmanaged.length)
      throw new PlanError(
        `cannot drain ${input.node}: pods without a controller would be lost (${unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')})`,
      );
    const evict = pods.filter((p) => controller(p)?.kind !== 'DaemonSet' && !mirror(p));
    const steps: WriteStep[] = [
      {
        apiVersion: 'v1',
        kind: 'Node',
        name: input.node,
        verb: 'patch',
        patchType: 'strategic',
        body: { spec: { unschedulable: true } },
      },
      ...evict.map(
        (p): WriteStep => ({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: p.metadata.namespace,
          name: p.metadata.name,
          verb: 'evict',
          uid: p.metadata.uid,
        }),
      ),
    ];
    const namespaces = [...new Set(evict.map((p) => p.metadata.namespace!))];
    return {
      action: 'drain',
      target: { kind: 'Node', name: input.node },
      request: { verb: 'sequence', steps },
      summary: `Drain node ${input.node}: cordon it and evict ${evict.length} pod(s) from ${namespaces.length} namespace(s) (DaemonSet pods stay)`,
      risk: 'high',
      blastRadius: {
        pods: evict.length,
        namespaces,
        description: `${evict.length} pod(s) rescheduled elsewhere: ${evict
          .slice(0, 8)
          .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
          .join(', ')}${evict.length > 8 ? ', …' : ''}`,
      },
      rollback: `kubectl uncordon ${input.node} (evicted pods are recreated elsewhere by their controllers and do not move back by themselves)`,
      undo: { tool: 'uncordon', input: { node: input.node } },
    };
  },
});
