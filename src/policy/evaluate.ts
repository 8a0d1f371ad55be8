import type { Config } from '../config/config.ts';
import { approvalShortfall, type PolicyConfig, type PolicyRule } from '../config/policy-config.ts';
import type { ObjectRef } from '../domain/object-ref.ts';
import { matchesAny } from '../lib/path-glob.ts';
import { missingBackup } from './require-backup.ts';

export type PolicyDecision =
  | { decision: 'deny'; reason: string; rule: string; trace: string[] }
  | {
      decision: 'require_approval';
      count: number;
      approvers: readonly string[];
      rule: string;
      trace: string[];
      /** Why it can never be approved as configured (a default two-person rule with one approver). */
      unsatisfiable?: string;
    };

/** What a change is, where, and who asks: everything a rule may look at. */
export interface PolicyInput {
  action: string;
  cluster: string;
  target: ObjectRef;
  /**
   * Every namespace the request writes in, beyond the target's (default: the target's), and the
   * pods it evicts per namespace (a drain): rules, freezes and limits scoped to a namespace
   * match when the change reaches it at all.
   */
  namespaces?: string[];
  evictions?: Record<string, string[]>;
  /** The target object's labels as the cluster has them now. */
  labels?: Record<string, string>;
  risk: 'low' | 'medium' | 'high';
  blastRadius?: { pods?: number; replicas?: number };
  requester: string;
  at: Date;
  /** Drains approved or executing on this cluster right now (from the store). */
  activeDrains?: number;
  /**
   * Per namespace, the age in hours of its newest good Velero backup (null: none) and whether it
   * holds workloads or claims — read only when a policy.requireBackup entry applies to the action.
   */
  backups?: Record<string, { ageHours: number | null; holdsData: boolean }>;
  /** A git_change: the repository, every path it changes, and how it would be delivered. */
  git?: { repo: string; paths: string[]; delivery: string };
}

// Namespaces the agent may read but never change, whatever claw.yaml says.
const BUILTIN_PROTECTED = ['kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Pure: (change, policy, approvers) → deny | require_approval, naming the rule that decided and
 * the trace of every rule considered (`claw policy explain` prints it). Order: protected
 * namespaces, approvers configured, freezes, limits, the first matching rule, then the defaults
 * (one approver; `highRiskApprovals` for high risk).
 */
export function evaluatePolicy(input: PolicyInput, config: Config): PolicyDecision {
  const policy = config.policy;
  const trace: string[] = [];
  const deny = (rule: string, reason: string): PolicyDecision => ({
    decision: 'deny',
    reason,
    rule,
    trace: [...trace, `${rule}: deny — ${reason}`],
  });
  const ns = input.target.namespace;
  const written = [...new Set([...(ns ? [ns] : []), ...(input.namespaces ?? [])])];
  const reached = reachedNamespaces(input);

  const protectedNs = [...BUILTIN_PROTECTED, ...policy.protectedNamespaces];
  const hit = written.find((n) => protectedNs.includes(n));
  if (hit) return deny('protected-namespaces', `namespace ${hit} is protected: ClusterClaw does not change it`);
  trace.push(
    `protected-namespaces: ${written.length ? written.join(', ') : '(cluster-scoped)'} ${written.length > 1 ? 'are' : 'is'} not protected`,
  );
  // A drain evicts what runs on the node, system pods included: allowed (their controllers put
  // them back elsewhere), but never silently — the card names them and the risk is high.
  const evictedProtected = Object.keys(input.evictions ?? {}).filter((n) => protectedNs.includes(n));
  if (evictedProtected.length)
    trace.push(`protected-namespaces: evicts pods of ${evictedProtected.join(', ')} (named on the card, high risk)`);
  if (config.approvals.approvers.length === 0)
    return deny(
      'approvers-required',
      'no approvers are configured (approvals.approvers in claw.yaml), so no change can be approved',
    );

  for (const f of policy.freezes) {
    const active = input.at >= new Date(f.from) && input.at <= new Date(f.to);
    const here = inScope(f, input.cluster, reached);
    if (active && here && !f.allowActions.includes(input.action))
      return deny(
        `freeze:${f.name}`,
        `change freeze "${f.name}" until ${f.to}${f.allowActions.length ? ` (allowed: ${f.allowActions.join(', ')})` : ''}`,
      );
    trace.push(
      `freeze:${f.name}: ${!active ? 'not in its window' : !here ? 'another scope' : `allows ${input.action}`}`,
    );
  }

  const pods = input.blastRadius?.pods ?? 0;
  const limits = policy.limits;
  if (limits.maxPodsPerChange !== undefined && pods > limits.maxPodsPerChange)
    return deny(
      'limit:max-pods',
      `the change affects ${pods} pods; policy allows at most ${limits.maxPodsPerChange} per change`,
    );
  if (
    input.action === 'scale' &&
    input.blastRadius?.replicas === 0 &&
    limits.noScaleToZero &&
    inScope(limits.noScaleToZero, input.cluster, reached)
  ) {
    return deny(
      'limit:no-scale-to-zero',
      `scaling to zero is not allowed in ${ns ? `namespace ${ns} on ` : ''}cluster ${input.cluster}`,
    );
  }
  if (
    (input.action === 'drain' || input.action === 'node_maintenance') &&
    (input.activeDrains ?? 0) >= limits.concurrentDrains
  ) {
    return deny(
      'limit:concurrent-drains',
      `${input.activeDrains} drain(s) already approved or running on ${input.cluster}; policy allows ${limits.concurrentDrains} at a time`,
    );
  }
  trace.push(
    `limits: ${pods} pod(s) affected${limits.maxPodsPerChange !== undefined ? ` (max ${limits.maxPodsPerChange})` : ''}; within limits`,
  );

  const backupDenial = missingBackup(input, policy, reached, trace);
  if (backupDenial) return deny(backupDenial.rule, backupDenial.reason);

  for (const r of policy.rules) {
    const miss = mismatch(r, input, reached);
    if (miss) {
      trace.push(`rule:${r.name}: no match (${miss})`);
      continue;
    }
    if (r.deny) return deny(`rule:${r.name}`, r.deny);
    const count = r.approvals ?? defaultCount(input, policy);
    const approvers = r.approvers ?? config.approvals.approvers;
    return withShortfall(input, config, {
      decision: 'require_approval',
      count,
      approvers,
      rule: `rule:${r.name}`,
      trace: [...trace, `rule:${r.name}: match — ${count} approval(s) from ${approvers.join(', ')}`],
    });
  }

  const high = input.risk === 'high' && policy.highRiskApprovals > 1;
  const rule = high ? 'default:high-risk' : 'default:one-approver';
  const count = defaultCount(input, policy);
  return withShortfall(input, config, {
    decision: 'require_approval',
    count,
    approvers: config.approvals.approvers,
    rule,
    trace: [...trace, `${rule}: ${input.risk} risk — ${count} approval(s) from approvals.approvers`],
  });
}

/** Says when the approvals asked for can never come from the approvers named, this requester excluded. */
function withShortfall(
  input: PolicyInput,
  config: Config,
  d: Extract<PolicyDecision, { decision: 'require_approval' }>,
): PolicyDecision {
  const short = approvalShortfall(d.count, d.approvers, {
    requester: input.requester,
    allowSelfApproval: config.approvals.allowSelfApproval,
  });
  if (!short) return d;
  const fix =
    d.rule === 'default:high-risk' ? ' (add an approver, or set policy.highRiskApprovals)' : ' (add an approver)';
  return { ...d, unsatisfiable: `${short}${fix}`, trace: [...d.trace, `UNSATISFIABLE: ${short}`] };
}

function defaultCount(input: PolicyInput, policy: PolicyConfig): number {
  return input.risk === 'high' ? policy.highRiskApprovals : 1;
}

/** Every namespace a change writes in or evicts from. */
export function reachedNamespaces(input: Pick<PolicyInput, 'target' | 'namespaces' | 'evictions'>): string[] {
  const ns = input.target.namespace;
  return [...new Set([...(ns ? [ns] : []), ...(input.namespaces ?? []), ...Object.keys(input.evictions ?? {})])];
}

/** A scope matches a change on its cluster that reaches any of its namespaces (absent lists match all). */
function inScope(s: { clusters?: string[]; namespaces?: string[] }, cluster: string, namespaces: string[]): boolean {
  return (
    (!s.clusters || s.clusters.includes(cluster)) &&
    (!s.namespaces || namespaces.some((n) => s.namespaces!.includes(n)))
  );
}

/** Why a rule does not match, or undefined when it does. */
function mismatch(r: PolicyRule, input: PolicyInput, reached: string[]): string | undefined {
  const m = r.match;
  if (!inScope(m, input.cluster, reached)) return `scope ${input.cluster}/${reached.join(',') || '-'}`;
  if (m.actions && !m.actions.includes(input.action)) return `action ${input.action}`;
  if (m.kinds && !m.kinds.includes(input.target.kind)) return `kind ${input.target.kind}`;
  if (m.risk && !m.risk.includes(input.risk)) return `risk ${input.risk}`;
  if (m.requesters && !m.requesters.includes(input.requester)) return `requester ${input.requester}`;
  for (const [k, v] of Object.entries(m.labels ?? {}))
    if (input.labels?.[k] !== v) return `label ${k}=${input.labels?.[k] ?? '(absent)'}`;
  if (m.repos && !m.repos.includes(input.git?.repo ?? '')) return `repo ${input.git?.repo ?? '(not a git change)'}`;
  if (m.paths && !input.git?.paths.some((p) => matchesAny(p, m.paths!)))
    return `paths ${input.git?.paths.join(',') || '(not a git change)'}`;
  if (m.deliveries && !m.deliveries.includes(input.git?.delivery as 'push'))
    return `delivery ${input.git?.delivery ?? '-'}`;
  return undefined;
}

export type ApproverCheck = { ok: true } | { ok: false; reason: string };

/**
 * May `actor` decide a proposal requested by `requester`, given the approvers its policy named?
 * An approver entry is a user, or a user group (S…) the actor belongs to (`actorGroups`, as the
 * surface resolved them).
 */
export function canDecide(
  actor: string,
  requester: string,
  config: Config,
  approvers: readonly string[] = config.approvals.approvers,
  actorGroups: readonly string[] = [],
): ApproverCheck {
  if (!approvers.includes(actor) && !approvers.some((a) => a.startsWith('S') && actorGroups.includes(a))) {
    return {
      ok: false,
      reason: `<@${actor}> is not an approver for this change. Its approvers: ${approvers.map(mention).join(', ') || 'none'}.`,
    };
  }
  if (actor === requester && !config.approvals.allowSelfApproval) {
    return {
      ok: false,
      reason: 'you requested this task, and approvals.allowSelfApproval is false: another approver must decide.',
    };
  }
  return { ok: true };
}

function mention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}
