import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { changeText, evictable, type MaintenancePlanRequest } from '../../domain/maintenance-plan.ts';
import { matchesSelector } from '../../lib/label-selector.ts';
import { defineWriteTool } from '../define-tool.ts';
import { ObjectName } from '../input-names.ts';

export const nodeMaintenance = defineWriteTool({
  name: 'node_maintenance',
  description:
    'Propose node maintenance as one plan, approved once: for each node in turn, cordon, drain (Eviction API: PodDisruptionBudgets hold; DaemonSet pods stay), the change (none; wait for a kubelet version, as after an in-place upgrade; or labels), uncordon — each step verified before the next, stopping with the way back at the first failure. Needs approval.',
  input: z.object({
    nodes: z.array(ObjectName).min(1).max(20).describe('Nodes, in the order to take them'),
    kubeletVersion: z
      .string()
      .regex(/^v\d+\.\d+\.\d+$/)
      .optional()
      .describe('Wait for each node to report this kubelet version'),
    labels: z.record(z.string().max(253), z.string().max(63)).optional().describe('Labels to set on each node'),
    drainTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
    changeTimeoutSeconds: z.number().int().min(10).max(7200).default(1800),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    if (input.kubeletVersion && input.labels) throw new PlanError('give a kubeletVersion or labels, not both');
    if (new Set(input.nodes).size !== input.nodes.length) throw new PlanError('a node appears twice in the plan');
    const all = await ctx.reader.list('v1', 'Node');
    const missing = input.nodes.filter((n) => !all.some((x) => x.metadata.name === n));
    if (missing.length) throw new PlanError(`no such node: ${missing.join(', ')}`);
    const schedulable = all.filter((n) => !n.spec?.unschedulable && !input.nodes.includes(n.metadata.name));
    if (!schedulable.length)
      throw new PlanError('no other schedulable node would take the drained pods: the plan would leave them Pending');
    const pdbs = await ctx.reader.list('policy/v1', 'PodDisruptionBudget');
    const perNode = await Promise.all(
      input.nodes.map(async (n) => ({
        node: n,
        pods: evictable(await ctx.reader.listPods(undefined, `spec.nodeName=${n}`)),
      })),
    );
    const unmanaged = perNode.flatMap((x) =>
      x.pods.filter((p) => !p.metadata.ownerReferences?.some((r) => r.controller)),
    );
    if (unmanaged.length)
      throw new PlanError(
        `pods without a controller would be lost by a drain (${unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')})`,
      );
    // What would stop a drain now: budgets that allow no disruption over pods on these nodes.
    const blockers = pdbs.filter(
      (b) =>
        b.status?.disruptionsAllowed === 0 &&
        perNode.some((x) =>
          x.pods.some(
            (p) =>
              p.metadata.namespace === b.metadata.namespace && matchesSelector(b.spec?.selector, p.metadata.labels),
          ),
        ),
    );
    const request: MaintenancePlanRequest = {
      verb: 'node_maintenance',
      nodes: input.nodes,
      change: input.kubeletVersion
        ? { kind: 'kubelet', version: input.kubeletVersion }
        : input.labels
          ? { kind: 'labels', labels: input.labels }
          : { kind: 'none' },
      drainTimeoutSeconds: input.drainTimeoutSeconds,
      changeTimeoutSeconds: input.changeTimeoutSeconds,
    };
    const pods = perNode.reduce((n, x) => n + x.pods.length, 0);
    const namespaces = [...new Set(perNode.flatMap((x) => x.pods.map((p) => p.metadata.namespace!)))];
    return {
      action: 'node_maintenance',
      target: { kind: 'Node', name: input.nodes[0]! },
      request,
      summary: `Maintain ${input.nodes.length} node(s) one at a time (${input.nodes.join(', ')}): cordon, drain, ${changeText(request.change)}, uncordon; ${pods} pod(s) move now${blockers.length ? `; WILL STOP at PodDisruptionBudget ${blockers.map((b) => `${b.metadata.namespace}/${b.metadata.name}`).join(', ')} (0 disruptions allowed) unless that changes` : ''}`,
      risk: 'high',
      blastRadius: {
        pods,
        namespaces,
        description: perNode
          .map(
            (x) =>
              `${x.node}: ${x.pods.length} pod(s) (${x.pods
                .slice(0, 5)
                .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
                .join(', ')}${x.pods.length > 5 ? ', …' : ''})`,
          )
          .join('; '),
      },
      rollback:
        'the plan stops at the first step that fails and names the node; uncordon that node (kubectl uncordon NODE) to put it back in service — evicted pods are recreated elsewhere by their controllers',
    };
  },
});
