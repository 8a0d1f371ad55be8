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
  /** First matching rule wins. */
  rules: z.array(rule).default([]),
});

export type PolicyConfig = z.infer<typeof policySchema>;
export type PolicyRule = PolicyConfig['rules'][number];
