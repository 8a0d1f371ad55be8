import type { Config } from '../config.ts';
import type { ObjectRef } from '../tools/define-tool.ts';

export type PolicyDecision =
  | { decision: 'deny'; reason: string; rule: string }
  | { decision: 'require_approval'; count: number; approvers: readonly string[]; rule: string };

// Namespaces the agent may read but never change, whatever claw.yaml says (first cut).
const PROTECTED = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

/**
 * Pure: (action, target, requester, config) → deny | require_approval. Every decision names the
 * rule that made it. Rules as data in claw.yaml arrive with the approval-gate issue.
 */
export function evaluatePolicy(input: { action: string; target: ObjectRef; requester: string; risk: 'low' | 'medium' | 'high' }, config: Config): PolicyDecision {
  if (input.target.namespace && PROTECTED.has(input.target.namespace)) {
    return { decision: 'deny', reason: `namespace ${input.target.namespace} is protected: ClusterClaw does not change system namespaces`, rule: 'builtin:protected-namespaces' };
  }
  if (config.approvals.approvers.length === 0) {
    return { decision: 'deny', reason: 'no approvers are configured (approvals.approvers in claw.yaml), so no change can be approved', rule: 'builtin:approvers-required' };
  }
  return { decision: 'require_approval', count: 1, approvers: config.approvals.approvers, rule: 'default:one-approver' };
}

export type ApproverCheck = { ok: true } | { ok: false; reason: string };

/** May `actor` decide a proposal requested by `requester`? */
export function canDecide(actor: string, requester: string, config: Config): ApproverCheck {
  if (!config.approvals.approvers.includes(actor)) {
    return { ok: false, reason: `<@${actor}> is not an approver. Approvers are listed under approvals.approvers in claw.yaml.` };
  }
  if (actor === requester && !config.approvals.allowSelfApproval) {
    return { ok: false, reason: 'you requested this task, and approvals.allowSelfApproval is false: another approver must decide.' };
  }
  return { ok: true };
}
