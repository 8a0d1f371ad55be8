import type { ApiObjectRef } from './object-ref.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** One API call a proposal makes. The executor sends it verbatim; nothing is recomputed at apply time. */
export type WriteStep =
  | (ApiObjectRef & { verb: 'patch'; patchType: PatchType; body: unknown; subresource?: 'scale' })
  | (ApiObjectRef & { verb: 'delete'; uid?: string; resourceVersion?: string })
  | (ApiObjectRef & { verb: 'evict'; uid?: string; resourceVersion?: string });

/** The exact write a proposal carries: one step, or an ordered sequence (drain = cordon, then evictions). */
export type WriteRequest = WriteStep | { verb: 'sequence'; steps: WriteStep[] };

export function stepsOf(req: WriteRequest): WriteStep[] {
  return req.verb === 'sequence' ? req.steps : [req];
}

/** The object a request is about: its first step's target. */
export function primaryRef(req: WriteRequest): ApiObjectRef {
  const s = stepsOf(req)[0]!;
  return { apiVersion: s.apiVersion, kind: s.kind, namespace: s.namespace, name: s.name };
}

/** One line per step, as a reviewer reads it on the card: `PATCH apps/v1 Deployment shop/cart (strategic)`. */
export function describeStep(s: WriteStep): string {
  const where = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
  if (s.verb === 'patch')
    return `PATCH ${s.apiVersion} ${where}${s.subresource ? `/${s.subresource}` : ''} (${s.patchType})`;
  if (s.verb === 'evict') return `EVICT ${where} (honours PodDisruptionBudgets)`;
  return `DELETE ${s.apiVersion} ${where}`;
}

/**
 * The step with the target's resourceVersion as a precondition, so the server refuses it (409)
 * if the object changed after the executor read it: in the body for patches (the patched
 * object's resourceVersion is compared with the stored one; JSON patches replace it), in
 * `preconditions` for deletions and evictions.
 */
export function withResourceVersion(step: WriteStep, resourceVersion: string): WriteStep {
  if (step.verb === 'patch') {
    if (step.patchType === 'json')
      return {
        ...step,
        body: [
          { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
          ...(step.body as unknown[]),
        ],
      };
    const body = (step.body ?? {}) as { metadata?: Record<string, unknown> };
    return { ...step, body: { ...body, metadata: { ...body.metadata, resourceVersion } } };
  }
  return { ...step, resourceVersion };
}
