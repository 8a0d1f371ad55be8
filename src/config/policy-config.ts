import { z } from 'zod';

/** Who may approve: a Slack user (U…, W…) or a Slack user group (S…), whose members may. */
export const approverId = z
  .string()
  .regex(/^[UWS][A-Z0-9]+$/, 'must be a Slack user ID like U0123ABC or a user group ID like S0123ABC');
const risk = z.enum(['low', 'medium', 'high']);

/** Where a rule, freeze or limit applies; an absent list matches everything. */
const scope = {
  clusters: z.array(z.string()).optional(),
  namespaces: z.array(z.string()).optional(),
};

const rule = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a kebab-case name'),
  match: z
    .strictObject({
      ...scope,
      actions: z.array(z.string()).optional(),
      kinds: z.array(z.string()).optional(),
      risk: z.array(risk).optional(),
      /** Labels the target object must carry (all of them). */
      labels: z.record(z.string(), z.string()).optional(),
      requesters: z.array(z.string()).optional(),
      /** git_change: the repositories (claw.yaml `repos` names), paths changed (globs; any one) and deliveries it matches. */
      repos: z.array(z.string()).optional(),
      paths: z.array(z.string().min(1)).optional(),
      deliveries: z.array(z.enum(['pull-request', 'push-branch', 'push'])).optional(),
    })
    .default({}),
  /** Deny with this reason, or require `approvals` from `approvers` (default: approvals.approvers). */
  deny: z.string().optional(),
  approvals: z.number().int().min(1).max(5).optional(),
  approvers: z.array(approverId).optional(),
});

const freeze = z.strictObject({
  name: z.string(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  ...scope,
  /** Actions still allowed during the freeze (e.g. uncordon, rollout_undo to back out). */
  allowActions: z.array(z.string()).default([]),
});

/**
 * A fresh good Velero backup required before a change that could lose data: the namespaces it
 * reaches (a drain's evicted pods, a restore's target) — or, for a cluster-wide change such as an
 * upgrade, the namespaces listed here (every namespace holding workloads or claims when none are).
 */
const requireBackup = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a kebab-case name'),
  ...scope,
  actions: z
    .array(z.string())
    .default(['drain', 'delete_pod', 'velero_restore', 'cluster_upgrade', 'node_pool_upgrade']),
  maxAgeHours: z.number().positive().default(24),
});

/** claw.yaml `policy:`; every key optional. */
export const policySchema = z.strictObject({
  /** Namespaces the agent may read but never change (added to kube-system, kube-public, kube-node-lease). */
  protectedNamespaces: z.array(z.string()).default([]),
  /** Approvals a high-risk change needs when no rule says otherwise (two-person by default). */
  highRiskApprovals: z.number().int().min(1).max(5).default(2),
  limits: z
    .strictObject({
      /** A change that moves or removes more pods than this is denied. */
      maxPodsPerChange: z.number().int().min(0).optional(),
      /** Scaling to zero replicas is denied here. */
      noScaleToZero: z.strictObject(scope).optional(),
      /** Drains approved or running at once on one cluster. */
      concurrentDrains: z.number().int().min(1).default(1),
    })
    .default({ concurrentDrains: 1 }),
  freezes: z.array(freeze).default([]),
  requireBackup: z.array(requireBackup).default([]),
  /** First matching rule wins. */
  rules: z.array(rule).default([]),
});

export type PolicyConfig = z.infer<typeof policySchema>;
export type PolicyRule = PolicyConfig['rules'][number];
export type BackupRequirement = PolicyConfig['requireBackup'][number];

/**
 * Why `count` distinct approvals can never come from `approvers`, or undefined when they can (or
 * may: a user group's members are only known at run time). Without allowSelfApproval the
 * requester, when known and among them, cannot count.
 */
export function approvalShortfall(
  count: number,
  approvers: readonly string[],
  opts: { requester?: string; allowSelfApproval?: boolean } = {},
): string | undefined {
  if (approvers.some((a) => a.startsWith('S'))) return undefined;
  const eligible = approvers.filter((a) => opts.allowSelfApproval || a !== opts.requester);
  if (eligible.length >= count) return undefined;
  const self = eligible.length < approvers.length ? ', the requester being unable to approve their own request' : '';
  return `needs ${count} distinct approvers but only ${eligible.length} can approve (${eligible.join(', ') || 'none'}${self})`;
}

/**
 * An explicit rule that can never be satisfied by the approvers it names (or approvals.approvers)
 * is a configuration error: a proposal it decides could never be approved.
 */
export function checkRulesSatisfiable(policy: PolicyConfig, approvers: readonly string[]): string | undefined {
  for (const [i, r] of policy.rules.entries()) {
    if (r.deny || r.approvals === undefined) continue;
    const from = r.approvers ?? approvers;
    if (!r.approvers && from.length === 0) continue; // no approvers at all: every change is denied, and said so
    const short = approvalShortfall(r.approvals, from);
    if (short)
      return `policy.rules[${i}] (${r.name}): ${short}${r.approvers ? '' : ' in approvals.approvers'}; it could never be approved`;
  }
  return undefined;
}
