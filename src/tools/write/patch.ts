import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { refLabel } from '../../lib/kube-object.ts';
import { defineWriteTool } from '../define-tool.ts';
import { AnyObjectName, NamespaceName } from '../input-names.ts';

/** Kinds whose content must never travel through a proposal card (values would reach Slack). */
export const SECRET_KINDS = new Set(['Secret']);

export const patch = defineWriteTool({
  name: 'patch',
  description:
    'Propose a generic patch (merge, strategic or JSON) to any object, e.g. fix a Service selector. High risk: prefer a specific action when one fits. Needs approval.',
  input: z.object({
    apiVersion: z.string(),
    kind: z.string(),
    namespace: NamespaceName.optional(),
    name: AnyObjectName,
    patchType: z.enum(['merge', 'strategic', 'json']).default('merge'),
    patch: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    if (SECRET_KINDS.has(input.kind))
      throw new PlanError('patching Secrets is not in the vocabulary: their values would appear on the approval card');
    if ((input.patchType === 'json') !== Array.isArray(input.patch))
      throw new PlanError('a json patch is a list of operations; merge and strategic patches are objects');
    const ref = { apiVersion: input.apiVersion, kind: input.kind, namespace: input.namespace, name: input.name };
    await ctx.reader.read(ref);
    const where = refLabel(input);
    return {
      action: 'patch',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: { ...ref, verb: 'patch', patchType: input.patchType, body: input.patch },
      // The card's *Whole change* shows every byte; the summary names what the patch touches.
      summary: `Patch ${where} (${input.patchType}): ${touched(input.patch).join(', ')}`,
      risk: 'high',
      blastRadius: {
        namespaces: input.namespace ? [input.namespace] : [],
        description: `whatever depends on ${where}; see the dry-run diff`,
      },
      rollback: `re-apply the "live" side of the diff on this card to ${where}`,
    };
  },
});

/** The fields a patch sets, as paths two levels deep (`spec.template`, `metadata.ownerReferences`); JSON patch ops as `op path`. */
function touched(patch: Record<string, unknown> | Record<string, unknown>[]): string[] {
  if (Array.isArray(patch)) return patch.map((op) => `${String(op.op)} ${String(op.path)}`);
  const paths = Object.entries(patch).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length
      ? Object.keys(v).map((k2) => `${k}.${k2}`)
      : [k],
  );
  return paths.length > 12 ? [...paths.slice(0, 12), `… ${paths.length - 12} more`] : paths;
}
