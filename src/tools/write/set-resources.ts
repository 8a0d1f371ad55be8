import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { parseQuantity } from '../../lib/quantity.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { podCount, readWorkload, templateContainer, WorkloadKind, workloadRef } from './workload.ts';

const Quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 500m, 512Mi or 2Gi');
const Resources = z.object({ cpu: Quantity.optional(), memory: Quantity.optional() }).strict();

export const setResources = defineWriteTool({
  name: 'set_resources',
  description:
    "Propose new CPU/memory requests or limits for one container of a workload's pod template (kubectl set resources). Rolls the pods. Needs approval.",
  input: z.object({
    namespace: NamespaceName,
    kind: WorkloadKind,
    name: ObjectName,
    container: z.string().optional(),
    requests: Resources.optional(),
    limits: Resources.optional(),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    if (!input.requests && !input.limits) throw new PlanError('set_resources needs requests or limits');
    const obj = await readWorkload(ctx, input.namespace, input.kind, input.name);
    const c = templateContainer(obj, input.container);
    const next = {
      requests: { ...(c.resources?.requests ?? {}), ...(input.requests ?? {}) },
      limits: { ...(c.resources?.limits ?? {}), ...(input.limits ?? {}) },
    };
    for (const k of ['cpu', 'memory'] as const) {
      const req = parseQuantity(next.requests[k]);
      const lim = parseQuantity(next.limits[k]);
      if (req !== undefined && lim !== undefined && req > lim)
        throw new PlanError(
          `${k} request ${next.requests[k]} would exceed its limit ${next.limits[k]}; the API server would reject it`,
        );
    }
    const pods = podCount(obj);
    const undo = previousValues(c.resources, input);
    const fmt = (r: Record<string, string> | undefined) =>
      Object.entries(r ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || 'none';
    return {
      action: 'set_resources',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: {
        ...workloadRef(input.namespace, input.kind, input.name),
        verb: 'patch',
        patchType: 'strategic',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: c.name,
                    resources: {
                      ...(input.requests ? { requests: input.requests } : {}),
                      ...(input.limits ? { limits: input.limits } : {}),
                    },
                  },
                ],
              },
            },
          },
        },
      },
      summary: `Set resources of container ${c.name} in ${input.kind.toLowerCase()} ${input.namespace}/${input.name}: requests ${fmt(next.requests)}, limits ${fmt(next.limits)} (was requests ${fmt(c.resources?.requests)}, limits ${fmt(c.resources?.limits)})`,
      risk: 'medium',
      blastRadius: {
        pods,
        namespaces: [input.namespace],
        description: `${pods} pod(s) of ${input.name} replaced with the new resources`,
      },
      rollback: `kubectl set resources ${input.kind.toLowerCase()}/${input.name} -n ${input.namespace} -c ${c.name} --requests=${fmt(c.resources?.requests)} --limits=${fmt(c.resources?.limits)}`,
      ...(undo
        ? {
            undo: {
              tool: 'set_resources',
              input: { namespace: input.namespace, kind: input.kind, name: input.name, container: c.name, ...undo },
            },
          }
        : {}),
    };
  },
});

type Values = { cpu?: string; memory?: string };

/**
 * The old values of every key this change sets, as set_resources input; undefined when one was
 * unset, since a strategic merge can set a value back but not remove one.
 */
function previousValues(
  old: { requests?: Values; limits?: Values } | undefined,
  change: { requests?: Values; limits?: Values },
): { requests?: Values; limits?: Values } | undefined {
  const out: { requests?: Values; limits?: Values } = {};
  for (const part of ['requests', 'limits'] as const) {
    for (const key of Object.keys(change[part] ?? {}) as (keyof Values)[]) {
      const was = old?.[part]?.[key];
      if (was === undefined) return undefined;
      out[part] = { ...out[part], [key]: was };
    }
  }
  return out;
}
