import { refLabel } from '../../lib/kube-object.ts';
import { z } from 'zod';
import { PlanError, defineWriteTool } from '../define-tool.ts';

/** Kinds whose content must never travel through a proposal card (values would reach Slack). */
export const SECRET_KINDS = new Set(['Secret']);

export const patch = defineWriteTool({
  name: 'patch',
  description: 'Propose a generic patch (merge, strategic or JSON) to any object, e.g. fix a Service selector. High risk: prefer a specific action when one fits. Needs approval.',
  input: z.object({
    apiVersion: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string(),
    patchType: z.enum(['merge', 'strategic', 'json']).default('merge'),
    patch: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    if (SECRET_KINDS.has(input.kind)) throw new PlanError('patching Secrets is not in the vocabulary: their values would appear on the approval card');
    if (input.patchType === 'json' !== Array.isArray(input.patch)) throw new PlanError('a json patch is a list of operations; merge and strategic patches are objects');
    const ref = { apiVersion: input.apiVersion, kind: input.kind, namespace: input.namespace, name: input.name };
    await ctx.reader.read(ref);
    const where = refLabel(input);
    return {
      action: 'patch',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: { ...ref, verb: 'patch', patchType: input.patchType, body: input.patch },
      summary: `Patch ${where} (${input.patchType}): ${JSON.stringify(input.patch).slice(0, 200)}`,
      risk: 'high',
      blastRadius: { namespaces: input.namespace ? [input.namespace] : [], description: `whatever depends on ${where}; see the dry-run diff` },
      rollback: `re-apply the "live" side of the diff on this card to ${where}`,
    };
  },
});
