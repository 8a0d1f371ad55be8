import type { KubeIdentity } from '../cluster/impersonate.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import type { WriteStep } from '../domain/write-request.ts';

/** The authorization attributes of one write step, as the API server will check them. */
export function stepAttributes(s: WriteStep): {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name: string;
} {
  const group = s.apiVersion.includes('/') ? s.apiVersion.split('/')[0]! : '';
  const base = { group, resource: plural(s.kind), namespace: s.namespace, name: s.name };
  if (s.verb === 'evict') return { ...base, verb: 'create', group: '', resource: 'pods', subresource: 'eviction' };
  if (s.verb === 'delete') return { ...base, verb: 'delete' };
  return { ...base, verb: 'patch', ...(s.subresource ? { subresource: s.subresource } : {}) };
}

/** Kubernetes' resource name for a kind (Deployment → deployments, NetworkPolicy → networkpolicies). */
export function plural(kind: string): string {
  const k = kind.toLowerCase();
  if (k === 'endpoints') return k;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

/**
 * Could each approver have made this exact change themselves? With `approvals.checkAuthority`,
 * every approver must map to a Kubernetes identity (`approvals.identities`) and a
 * SubjectAccessReview must allow every step for it: approving is not a way around RBAC.
 */
export async function approverAuthority(
  reader: KubeReader,
  config: Config,
  approvers: string[],
  steps: WriteStep[],
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!config.approvals.checkAuthority) return { ok: true };
  for (const approver of approvers) {
    const who = config.approvals.identities[approver];
    if (!who)
      return {
        ok: false,
        reason: `approver <@${approver}> has no Kubernetes identity in approvals.identities, so their authority cannot be checked`,
      };
    for (const step of steps) {
      const attrs = stepAttributes(step);
      const review = await reader.accessReview({ user: who.user, groups: who.groups, resourceAttributes: attrs });
      if (!review.status?.allowed) {
        const what = `${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''} ${attrs.namespace ? `${attrs.namespace}/` : ''}${attrs.name}`;
        return {
          ok: false,
          reason: `approver <@${approver}> (Kubernetes user ${who.user}) may not ${what} themselves${review.status?.reason ? `: ${review.status.reason}` : ''}`,
        };
      }
    }
  }
  return { ok: true };
}

/**
 * Whom the executor acts as. With `approvals.impersonate`, the approver whose approval completed
 * the quorum (the last to approve) — Kubernetes impersonates one user — and an approver without a
 * mapped identity means nothing is applied. Without it, the executor's own credentials.
 */
export function actingIdentity(
  config: Config,
  approversInOrder: string[],
): { ok: true; who?: KubeIdentity; approver?: string } | { ok: false; reason: string } {
  if (!config.approvals.impersonate) return { ok: true };
  const approver = approversInOrder.at(-1);
  const who = approver ? config.approvals.identities[approver] : undefined;
  if (!approver || !who)
    return {
      ok: false,
      reason: `approvals.impersonate is on but approver <@${approver ?? '?'}> has no Kubernetes identity in approvals.identities`,
    };
  return { ok: true, who, approver };
}
