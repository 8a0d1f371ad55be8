import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.ts';
import { checkRulesSatisfiable, policySchema } from '../../src/config/policy-config.ts';
import { canDecide, evaluatePolicy, type PolicyInput } from '../../src/policy/evaluate.ts';
import { testConfig } from '../helpers/proposal-fixture.ts';

const withPolicy = (policy: unknown, approvers = ['U0A', 'U0B', 'U0C']): Config => ({
  ...testConfig(approvers),
  policy: policySchema.parse(policy),
});
const change = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  action: 'rollout_restart',
  cluster: 'prod',
  target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
  labels: { app: 'cart' },
  risk: 'low',
  blastRadius: { pods: 3 },
  requester: 'U0ONCALL',
  at: new Date('2026-11-28T12:00:00Z'),
  ...over,
});

describe('policy as data', () => {
  it('defaults: one approver, two for high risk, system namespaces protected, nothing without approvers', () => {
    const c = withPolicy({});
    expect(evaluatePolicy(change(), c)).toMatchObject({
      decision: 'require_approval',
      count: 1,
      rule: 'default:one-approver',
      approvers: ['U0A', 'U0B', 'U0C'],
    });
    expect(evaluatePolicy(change({ risk: 'high', action: 'drain' }), c)).toMatchObject({
      decision: 'require_approval',
      count: 2,
      rule: 'default:high-risk',
    });
    expect(
      evaluatePolicy(change({ target: { kind: 'Deployment', namespace: 'kube-system', name: 'coredns' } }), c),
    ).toMatchObject({ decision: 'deny', rule: 'protected-namespaces' });
    expect(evaluatePolicy(change(), withPolicy({}, []))).toMatchObject({
      decision: 'deny',
      rule: 'approvers-required',
    });
    expect(evaluatePolicy(change({ risk: 'high' }), withPolicy({ highRiskApprovals: 1 }))).toMatchObject({
      count: 1,
      rule: 'default:one-approver',
    });
  });

  it('denies inside a change freeze in its scope, except the actions it allows', () => {
    const c = withPolicy({
      freezes: [
        {
          name: 'black-friday',
          from: '2026-11-27T00:00:00Z',
          to: '2026-11-30T23:59:59Z',
          clusters: ['prod'],
          allowActions: ['rollout_undo'],
        },
      ],
    });
    expect(evaluatePolicy(change(), c)).toMatchObject({
      decision: 'deny',
      rule: 'freeze:black-friday',
      reason: 'change freeze "black-friday" until 2026-11-30T23:59:59Z (allowed: rollout_undo)',
    });
    expect(evaluatePolicy(change({ action: 'rollout_undo' }), c)).toMatchObject({ decision: 'require_approval' });
    expect(evaluatePolicy(change({ cluster: 'staging' }), c)).toMatchObject({ decision: 'require_approval' });
    expect(evaluatePolicy(change({ at: new Date('2026-12-01T00:00:00Z') }), c)).toMatchObject({
      decision: 'require_approval',
    });
  });

  it('enforces blast-radius limits: pods per change, no scale to zero where listed, one drain at a time', () => {
    const c = withPolicy({ limits: { maxPodsPerChange: 5, noScaleToZero: { clusters: ['prod'] } } });
    expect(evaluatePolicy(change({ blastRadius: { pods: 6 } }), c)).toMatchObject({
      decision: 'deny',
      rule: 'limit:max-pods',
    });
    expect(evaluatePolicy(change({ blastRadius: { pods: 5 } }), c)).toMatchObject({ decision: 'require_approval' });
    expect(
      evaluatePolicy(change({ action: 'scale', risk: 'high', blastRadius: { pods: 3, replicas: 0 } }), c),
    ).toMatchObject({ decision: 'deny', rule: 'limit:no-scale-to-zero' });
    expect(
      evaluatePolicy(
        change({ action: 'scale', cluster: 'dev', risk: 'high', blastRadius: { pods: 3, replicas: 0 } }),
        c,
      ),
    ).toMatchObject({ decision: 'require_approval' });
    expect(
      evaluatePolicy(
        change({ action: 'drain', risk: 'high', target: { kind: 'Node', name: 'n2' }, activeDrains: 1 }),
        c,
      ),
    ).toMatchObject({ decision: 'deny', rule: 'limit:concurrent-drains' });
    expect(
      evaluatePolicy(
        change({ action: 'drain', risk: 'high', target: { kind: 'Node', name: 'n2' }, activeDrains: 0 }),
        c,
      ),
    ).toMatchObject({ decision: 'require_approval', count: 2 });
  });

  it('applies the first matching rule, by scope, action, kind, risk, labels and requester, and says why others did not match', () => {
    const c = withPolicy({
      rules: [
        {
          name: 'no-db-writes',
          match: { namespaces: ['shop'], kinds: ['StatefulSet'] },
          deny: 'databases change through the DBA on-call',
        },
        {
          name: 'critical-two-person',
          match: { clusters: ['prod'], labels: { tier: 'critical' } },
          approvals: 2,
          approvers: ['U0LEAD1', 'U0LEAD2'],
        },
        { name: 'bots-need-leads', match: { requesters: ['cli:cron'] }, approvers: ['U0LEAD1'] },
      ],
    });
    expect(evaluatePolicy(change({ target: { kind: 'StatefulSet', namespace: 'shop', name: 'db' } }), c)).toMatchObject(
      { decision: 'deny', rule: 'rule:no-db-writes', reason: 'databases change through the DBA on-call' },
    );
    const critical = evaluatePolicy(change({ labels: { app: 'cart', tier: 'critical' } }), c);
    expect(critical).toMatchObject({
      decision: 'require_approval',
      count: 2,
      approvers: ['U0LEAD1', 'U0LEAD2'],
      rule: 'rule:critical-two-person',
    });
    expect(critical.trace).toContain('rule:no-db-writes: no match (kind Deployment)');
    const plain = evaluatePolicy(change(), c);
    expect(plain).toMatchObject({ rule: 'default:one-approver' });
    expect(plain.trace).toEqual(
      expect.arrayContaining([
        'rule:critical-two-person: no match (label tier=(absent))',
        'rule:bots-need-leads: no match (requester U0ONCALL)',
      ]),
    );
    expect(evaluatePolicy(change({ requester: 'cli:cron' }), c)).toMatchObject({
      count: 1,
      approvers: ['U0LEAD1'],
      rule: 'rule:bots-need-leads',
    });
  });

  it('lets only the approvers the rule named decide, and never the requester unless allowed', () => {
    const c = withPolicy({});
    expect(canDecide('U0A', 'U0ONCALL', c, ['U0LEAD1'])).toMatchObject({
      ok: false,
      reason: '<@U0A> is not an approver for this change. Its approvers: <@U0LEAD1>.',
    });
    expect(canDecide('U0LEAD1', 'U0ONCALL', c, ['U0LEAD1'])).toEqual({ ok: true });
    expect(canDecide('U0A', 'U0A', c)).toMatchObject({ ok: false });
    // A user group (S…) approves through its members, as the surface resolved the actor's groups.
    expect(canDecide('U0CAROL', 'U0ONCALL', c, ['S0SRE'], ['S0SRE'])).toEqual({ ok: true });
    expect(canDecide('U0CAROL', 'U0ONCALL', c, ['S0SRE'], ['S0OTHER'])).toMatchObject({
      ok: false,
      reason: '<@U0CAROL> is not an approver for this change. Its approvers: <!subteam^S0SRE>.',
    });
  });

  it.each([
    [
      'two-person approval with one approver',
      {},
      ['U0ME'],
      'U0ONCALL',
      /needs 2 distinct approvers but only 1 can approve \(U0ME\)/,
    ],
    [
      'two approvers, one of them the requester',
      {},
      ['U0A', 'U0ONCALL'],
      'U0ONCALL',
      /only 1 can approve \(U0A, the requester being unable to approve their own request\)/,
    ],
    [
      'a rule asking three of two named approvers',
      { rules: [{ name: 'payments', match: { namespaces: ['shop'] }, approvals: 3, approvers: ['U0A', 'U0B'] }] },
      ['U0A', 'U0B', 'U0C'],
      'U0ONCALL',
      /needs 3 distinct approvers but only 2 can approve/,
    ],
  ])('says a decision can never be approved: %s', (_name, policy, approvers, requester, why) => {
    const c = withPolicy(policy, approvers);
    // The startup check sees the rule (tested below); here the decision itself carries it.
    const d = evaluatePolicy(change({ risk: 'high', requester }), { ...c, policy: policySchema.parse(policy) });
    expect(d).toMatchObject({ decision: 'require_approval', unsatisfiable: expect.stringMatching(why) });
    expect(d.trace.at(-1)).toMatch(/^UNSATISFIABLE: /);
  });

  it('does not call a decision unsatisfiable when it can be met, or when a user group may hold enough people', () => {
    expect(evaluatePolicy(change({ risk: 'high' }), withPolicy({}))).not.toHaveProperty('unsatisfiable');
    expect(evaluatePolicy(change({ risk: 'high' }), withPolicy({}, ['U0ME', 'S0SRE']))).not.toHaveProperty(
      'unsatisfiable',
    );
    expect(evaluatePolicy(change({ risk: 'high' }), withPolicy({ highRiskApprovals: 1 }, ['U0ME']))).not.toHaveProperty(
      'unsatisfiable',
    );
  });

  it('refuses at start-up an explicit rule its approvers can never satisfy, naming it', () => {
    const rules = [{ name: 'payments', approvals: 2, approvers: ['U0A'] }];
    expect(checkRulesSatisfiable(policySchema.parse({ rules }), ['U0A', 'U0B'])).toBe(
      'policy.rules[0] (payments): needs 2 distinct approvers but only 1 can approve (U0A); it could never be approved',
    );
    expect(checkRulesSatisfiable(policySchema.parse({ rules: [{ name: 'all', approvals: 2 }] }), ['U0ME'])).toMatch(
      /^policy\.rules\[0\] \(all\): .* in approvals\.approvers; it could never be approved$/,
    );
    // A default (two-person high risk with one approver) is not a start-up error: the card and explain say it.
    expect(checkRulesSatisfiable(policySchema.parse({}), ['U0ME'])).toBeUndefined();
    expect(
      checkRulesSatisfiable(policySchema.parse({ rules: [{ name: 'g', approvals: 3, approvers: ['S0SRE'] }] }), []),
    ).toBeUndefined();
  });

  it('refuses malformed policy with a message naming the key', () => {
    expect(() => policySchema.parse({ rules: [{ name: 'Bad Name' }] })).toThrow(/kebab-case/);
    expect(() =>
      policySchema.parse({ freezes: [{ name: 'f', from: 'tomorrow', to: '2026-11-30T00:00:00Z' }] }),
    ).toThrow();
    expect(() => policySchema.parse({ limits: { maxPods: 3 } })).toThrow(/maxPods/);
  });
});

describe('policy.requireBackup: a fresh good backup before changes that could lose data', () => {
  const c = withPolicy({ requireBackup: [{ name: 'data-first', namespaces: ['shop', 'pay'], maxAgeHours: 12 }] });
  const drain = (backups: PolicyInput['backups']) =>
    change({
      action: 'drain',
      target: { kind: 'Node', name: 'node-1' },
      evictions: { shop: ['cart-1'], tools: ['x-1'] },
      risk: 'high',
      backups,
    });

  it('denies a drain that evicts pods of a namespace whose last good backup is too old, naming it', () => {
    const d = evaluatePolicy(drain({ shop: { ageHours: 30, holdsData: true } }), c);
    expect(d).toMatchObject({ decision: 'deny', rule: 'require-backup:data-first' });
    expect(d.decision === 'deny' && d.reason).toMatch(
      /namespace shop was last backed up 30h ago: policy requires a good backup newer than 12h before drain/,
    );
    expect(evaluatePolicy(drain({ shop: { ageHours: null, holdsData: true } }), c)).toMatchObject({
      decision: 'deny',
      reason: expect.stringContaining('namespace shop has no good backup'),
    });
  });

  it('lets it through once the namespace is backed up, and traces why', () => {
    const d = evaluatePolicy(drain({ shop: { ageHours: 2, holdsData: true } }), c);
    expect(d.decision).toBe('require_approval');
    expect(d.trace).toContain('require-backup:data-first: shop backed up within 12h');
  });

  it('denies when the backups could not be read at all, rather than guess', () => {
    expect(evaluatePolicy(drain(undefined), c)).toMatchObject({
      decision: 'deny',
      reason: 'the backups this change requires could not be checked',
    });
  });

  it('ignores actions and namespaces outside it', () => {
    expect(evaluatePolicy(change({ action: 'rollout_restart' }), c).decision).toBe('require_approval');
    const elsewhere = change({ action: 'delete_pod', target: { kind: 'Pod', namespace: 'tools', name: 'x' } });
    expect(evaluatePolicy(elsewhere, c).decision).toBe('require_approval');
  });

  it('judges a cluster-wide change by the namespaces it lists, or every namespace holding data when it lists none', () => {
    const upgrade = (backups: PolicyInput['backups']) =>
      change({ action: 'cluster_upgrade', target: { kind: 'ClusterVersion', name: 'version' }, backups });
    const backups = { shop: { ageHours: 1, holdsData: true }, pay: { ageHours: 40, holdsData: true } };
    expect(evaluatePolicy(upgrade(backups), c)).toMatchObject({
      decision: 'deny',
      reason: expect.stringContaining('namespace pay was last backed up 40h ago'),
    });
    const all = withPolicy({ requireBackup: [{ name: 'all', maxAgeHours: 24 }] });
    const data = { ...backups, empty: { ageHours: null, holdsData: false } };
    expect(evaluatePolicy(upgrade(data), all)).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(/^namespace pay/),
    });
    expect(evaluatePolicy(upgrade({ ...data, pay: { ageHours: 3, holdsData: true } }), all).decision).toBe(
      'require_approval',
    );
  });
});
