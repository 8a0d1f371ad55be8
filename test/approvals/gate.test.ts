import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { expireProposals } from '../../src/approvals/expire.ts';
import { policySchema } from '../../src/config/policy-config.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { cancelRun, finishRun, getRun } from '../../src/store/runs.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, proposeInRun, testConfig } from '../helpers/proposal-fixture.ts';

describe('the approval gate: decide and the one executor', () => {
  const w = useDemoWorld();
  const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);
  const exec = (id: string) =>
    executeProposal(
      { db: w.t.db, config, kubeConfigFor: () => kubeConfigOf(w.sandbox), verifyTimeoutMs: 20_000, pollMs: 100 },
      id,
      'test',
    );
  const applied = () => w.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun).length;

  it('refuses non-approvers and self-approval, and records nothing for them', async () => {
    const { proposal } = await makeProposal(
      w.t.db,
      w.sandbox,
      config,
      'rollout_restart',
      { namespace: 'shop', name: 'catalog' },
      'U0APPROVER1',
    );
    const stranger = await decide(
      { db: w.t.db, config },
      { proposalId: proposal.id, actor: 'U0NOBODY', decision: 'approve' },
    );
    expect(stranger).toMatchObject({ ok: false, code: 'not_authorized' });
    const self = await decide(
      { db: w.t.db, config },
      { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
    );
    expect(self).toMatchObject({ ok: false, code: 'not_authorized' });
    expect((self as { message: string }).message).toContain('allowSelfApproval');
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('pending');
    const other = await decide(
      { db: w.t.db, config },
      { proposalId: proposal.id, actor: 'U0APPROVER2', decision: 'approve' },
    );
    expect(other).toMatchObject({ ok: true, outcome: 'approved' });
  });

  it('a click that lands before the run has paused on its proposal still resumes the run', async () => {
    const { run, proposal } = await proposeInRun(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    // The card is out and the approver is quick: decided while the run is still finishing its turn.
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ outcome: 'approved' });
    expect((await getRun(w.t.db, run.id))!.status).toBe('running');
    expect(
      await finishRun(w.t.db, run.id, 'test', { status: 'awaiting_approval', checkpoint: { proposalId: proposal.id } }),
    ).toBe(true);
    expect((await getRun(w.t.db, run.id))!.status).toBe('queued');
  });

  it('a run that starts over and proposes the same change gets the proposal already made, even once approved', async () => {
    const {
      run,
      proposal: first,
      proposeAgain,
    } = await proposeInRun(w.t.db, w.sandbox, config, 'rollout_restart', { namespace: 'shop', name: 'catalog' });
    expect((await proposeAgain()).id).toBe(first.id);
    await decide({ db: w.t.db, config }, { proposalId: first.id, actor: 'U0APPROVER1', decision: 'approve' });
    const again = await proposeAgain();
    expect(again).toMatchObject({ id: first.id, status: 'approved' });
    expect(await w.t.db.selectFrom('proposals').select('id').where('run_id', '=', run.id).execute()).toHaveLength(1);
  });

  it('cancelling a run withdraws its proposals: a later click is refused and nothing counts as in flight', async () => {
    const waiting = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    expect(await cancelRun(w.t.db, waiting.run.id, 'U0ONCALL')).toBe('cancelled');
    expect((await getProposal(w.t.db, waiting.proposal.id))!.status).toBe('superseded');
    const late = await decide(
      { db: w.t.db, config },
      { proposalId: waiting.proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
    );
    expect(late).toMatchObject({ ok: false, code: 'already_decided' });
    expect((late as { message: string }).message).toContain('withdrawn: its run was cancelled by U0ONCALL');
    // Approved, its run queued to execute it, then cancelled before any replica claimed it.
    const patchesBefore = applied();
    const approved = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'cart',
    });
    await decide(
      { db: w.t.db, config },
      { proposalId: approved.proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
    );
    expect((await getRun(w.t.db, approved.run.id))!.status).toBe('queued');
    expect(await cancelRun(w.t.db, approved.run.id, 'U0ONCALL')).toBe('cancelled');
    expect((await getProposal(w.t.db, approved.proposal.id))!.status).toBe('superseded');
    expect(await exec(approved.proposal.id)).toMatchObject({ executed: false });
    expect(applied()).toBe(patchesBefore);
  });

  it('fails closed on expiry', async () => {
    const { proposal, run } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await sql`update proposals set expires_at = now() - interval '1 second' where id = ${proposal.id}`.execute(w.t.db);
    const late = await decide(
      { db: w.t.db, config },
      { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
    );
    expect(late).toMatchObject({ ok: false, code: 'expired' });
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('expired');
    expect((await getRun(w.t.db, run.id))!.status).toBe('queued');
    expect(await exec(proposal.id)).toMatchObject({ executed: false });
  });

  it('a newer proposal for the same target supersedes the pending one and wakes its run', async () => {
    const first = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', { namespace: 'shop', name: 'catalog' });
    expect((await getProposal(w.t.db, first.proposal.id))!.status).toBe('superseded');
    // Its waiting run wakes (to report it), rather than waiting on a dead proposal forever.
    expect((await getRun(w.t.db, first.run.id))!.status).toBe('queued');
  });

  it('voids the approval when the target spec changed after the dry-run: nothing is applied', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'redis',
    });
    await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    const redis = w.sandbox.state.store.get(T.deployment, 'shop', 'redis')!;
    w.sandbox.state.store.update(T.deployment, { ...redis, spec: { ...redis.spec, replicas: 2 } }); // someone else scaled it
    const before = applied();
    const res = await exec(proposal.id);
    expect(res).toMatchObject({ executed: true, outcome: { applied: false, stale: true } });
    expect(applied()).toBe(before);
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('failed');
  });

  it('refuses to execute a request altered after approval (artifact hash mismatch)', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    const tampered = { ...(proposal.request as Record<string, unknown>), name: 'redis' };
    await sql`update proposals set request = ${JSON.stringify(tampered)}::jsonb where id = ${proposal.id}`.execute(
      w.t.db,
    );
    const before = applied();
    const res = await exec(proposal.id);
    expect(res).toMatchObject({ executed: true, outcome: { applied: false } });
    expect((res as { outcome: { message: string } }).outcome.message).toContain('no longer matches');
    expect(applied()).toBe(before);
  });

  it('status churn voids nothing: a crash-looping target still executes, exactly once', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_undo', {
      namespace: 'shop',
      name: 'cart',
    });
    await new Promise((r) => setTimeout(r, 1200)); // pods restart, statuses move; the spec does not
    await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    const before = applied();
    const [a, b] = await Promise.all([exec(proposal.id), exec(proposal.id)]);
    expect([a.executed, b.executed].sort()).toEqual([false, true]);
    const winner = (a.executed ? a : b) as { outcome: { applied: boolean; verified: boolean } };
    expect(winner.outcome).toMatchObject({ applied: true, verified: true });
    expect(applied()).toBe(before + 1);
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('executed');
  });

  it('policy from claw.yaml: a high-risk change needs two distinct approvers, a rule names who, a freeze refuses and is audited', async () => {
    const policyConfig = {
      ...config,
      approvals: { ...config.approvals, approvers: ['U0APPROVER1', 'U0APPROVER2', 'U0LEAD1'] },
      policy: policySchema.parse({
        rules: [
          { name: 'shop-leads', match: { namespaces: ['shop'], actions: ['set_image'] }, approvers: ['U0LEAD1'] },
        ],
        freezes: [
          {
            name: 'launch',
            from: '2020-01-01T00:00:00Z',
            to: '2099-01-01T00:00:00Z',
            namespaces: ['shop'],
            allowActions: ['rollout_restart', 'scale', 'set_image'],
          },
        ],
      }),
    };
    // scale to zero is high risk: the default asks two distinct approvers.
    const { proposal } = await makeProposal(w.t.db, w.sandbox, policyConfig, 'scale', {
      namespace: 'shop',
      name: 'cart',
      replicas: 0,
    });
    expect(proposal).toMatchObject({ required_approvals: 2, policy_rule: 'default:high-risk', risk: 'high' });
    expect(
      await decide(
        { db: w.t.db, config: policyConfig },
        { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      ),
    ).toMatchObject({ ok: true, outcome: 'needs_more', approvals: 1, required: 2 });
    expect(
      await decide(
        { db: w.t.db, config: policyConfig },
        { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      ),
    ).toMatchObject({ ok: false, code: 'duplicate' });
    expect(
      await decide(
        { db: w.t.db, config: policyConfig },
        { proposalId: proposal.id, actor: 'U0APPROVER2', decision: 'approve' },
      ),
    ).toMatchObject({ ok: true, outcome: 'approved', approvals: 2 });

    // The rule's approvers, and only they, decide its proposals (U0APPROVER1 is a global approver, not this rule's).
    const image = await makeProposal(w.t.db, w.sandbox, policyConfig, 'set_image', {
      namespace: 'shop',
      kind: 'Deployment',
      name: 'cart',
      container: 'cart',
      image: 'registry.example.com/shop/cart:1.4.3',
    });
    expect(image.proposal).toMatchObject({ policy_rule: 'rule:shop-leads', approvers: ['U0LEAD1'] });
    expect(
      await decide(
        { db: w.t.db, config: policyConfig },
        { proposalId: image.proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      ),
    ).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(
      await decide(
        { db: w.t.db, config: policyConfig },
        { proposalId: image.proposal.id, actor: 'U0LEAD1', decision: 'approve' },
      ),
    ).toMatchObject({ ok: true, outcome: 'approved' });

    // The freeze refuses what it does not allow, before any dry-run, and the refusal is audited.
    await expect(
      makeProposal(w.t.db, w.sandbox, policyConfig, 'set_resources', {
        namespace: 'shop',
        kind: 'Deployment',
        name: 'cart',
        container: 'cart',
        limits: { memory: '512Mi' },
      }),
    ).rejects.toThrow(
      'change freeze "launch" until 2099-01-01T00:00:00Z (allowed: rollout_restart, scale, set_image) (rule freeze:launch)',
    );
    const audit = await sql<{
      action: string;
      data: { rule: string };
    }>`select action, data from audit_log where action = 'policy.denied'`.execute(w.t.db);
    expect(audit.rows).toEqual([
      expect.objectContaining({ action: 'policy.denied', data: expect.objectContaining({ rule: 'freeze:launch' }) }),
    ]);
  });

  it('with checkAuthority, executes only when every approver could make the change themselves (SubjectAccessReview)', async () => {
    const store = w.sandbox.state.store;
    store.create(T.role, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'deployers', namespace: 'shop' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }],
    });
    store.create(T.roleBinding, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'sre-deployers', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployers' },
      subjects: [{ kind: 'Group', name: 'sre', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const strict = {
      ...config,
      approvals: {
        ...config.approvals,
        checkAuthority: true,
        identities: {
          U0APPROVER1: { user: 'alice@example.com', groups: ['sre'] },
          U0APPROVER2: { user: 'bob@example.com', groups: ['marketing'] },
        },
      },
    };
    const before = applied();
    const { proposal: byBob } = await makeProposal(w.t.db, w.sandbox, strict, 'rollout_restart', {
      namespace: 'shop',
      kind: 'Deployment',
      name: 'cart',
    });
    expect(
      await decide({ db: w.t.db, config: strict }, { proposalId: byBob.id, actor: 'U0APPROVER2', decision: 'approve' }),
    ).toMatchObject({ outcome: 'approved' });
    const refused = await executeProposal(
      {
        db: w.t.db,
        config: strict,
        kubeConfigFor: () => kubeConfigOf(w.sandbox),
        verifyTimeoutMs: 20_000,
        pollMs: 100,
      },
      byBob.id,
      'test',
    );
    expect(refused).toMatchObject({
      executed: true,
      outcome: {
        applied: false,
        message: expect.stringMatching(
          /^refused: approver <@U0APPROVER2> \(Kubernetes user bob@example.com\) may not patch deployments shop\/cart themselves/,
        ),
      },
    });
    expect(applied()).toBe(before);
    const { proposal: byAlice } = await makeProposal(w.t.db, w.sandbox, strict, 'rollout_restart', {
      namespace: 'shop',
      kind: 'Deployment',
      name: 'cart',
    });
    await decide({ db: w.t.db, config: strict }, { proposalId: byAlice.id, actor: 'U0APPROVER1', decision: 'approve' });
    const ok = await executeProposal(
      {
        db: w.t.db,
        config: strict,
        kubeConfigFor: () => kubeConfigOf(w.sandbox),
        verifyTimeoutMs: 20_000,
        pollMs: 100,
      },
      byAlice.id,
      'test',
    );
    expect(ok).toMatchObject({ executed: true, outcome: { applied: true } });
    expect(applied()).toBe(before + 1);
  });

  it('expires pending proposals past their TTL without anyone clicking, audits it, and wakes the run', async () => {
    const quick = { ...config, approvals: { ...config.approvals, ttlMinutes: 0.001 } };
    const node = w.sandbox.state.store.list(T.node)[0]!.metadata.name;
    const { proposal: lasting } = await makeProposal(w.t.db, w.sandbox, config, 'cordon', { node });
    const { run, proposal } = await makeProposal(w.t.db, w.sandbox, quick, 'rollout_restart', {
      namespace: 'shop',
      kind: 'Deployment',
      name: 'cart',
    });
    await new Promise((r) => setTimeout(r, 120));
    expect(await expireProposals(w.t.db)).toBe(1);
    expect(await getProposal(w.t.db, lasting.id)).toMatchObject({ status: 'pending' });
    expect(await getProposal(w.t.db, proposal.id)).toMatchObject({ status: 'expired' });
    expect(await getRun(w.t.db, run.id)).toMatchObject({ status: 'queued' });
    const audit = await sql<{
      actor: string;
    }>`select actor from audit_log where action = 'proposal.expired' and subject = ${proposal.id}`.execute(w.t.db);
    expect(audit.rows).toEqual([{ actor: 'system' }]);
    // Fail closed: an approval after expiry changes nothing.
    expect(
      await decide(
        { db: w.t.db, config: quick },
        { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      ),
    ).toMatchObject({ ok: false, code: 'already_decided' });
  });
});
