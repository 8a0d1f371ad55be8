import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { withdrawApproval } from '../../src/approvals/withdraw.ts';
import { listApprovals } from '../../src/store/approvals.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';

describe('withdrawing an approval, until the proposal executes', () => {
  const w = useDemoWorld();
  const config = testConfig(['U0A', 'U0B']);
  const approve = (id: string, actor: string) =>
    decide({ db: w.t.db, config }, { proposalId: id, actor, decision: 'approve' });
  const withdraw = (id: string, actor: string, cfg = config) =>
    withdrawApproval({ db: w.t.db, config: cfg }, { proposalId: id, actor });
  const highRisk = () =>
    makeProposal(w.t.db, w.sandbox, config, 'scale', { namespace: 'shop', name: 'cart', replicas: 0 }, 'U0ONCALL');

  it('takes back one of two approvals: the count drops, and it takes two again to approve', async () => {
    const { proposal } = await highRisk();
    expect(proposal.required_approvals).toBe(2);
    expect(await approve(proposal.id, 'U0A')).toMatchObject({ ok: true, outcome: 'needs_more', approvals: 1 });
    expect(await withdraw(proposal.id, 'U0A')).toMatchObject({ ok: true, approvals: 0, required: 2, approvedBy: [] });
    expect(await listApprovals(w.t.db, proposal.id)).toEqual([]);
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('pending');
    expect(await approve(proposal.id, 'U0B')).toMatchObject({ outcome: 'needs_more', approvals: 1 });
    expect(await approve(proposal.id, 'U0A')).toMatchObject({ outcome: 'approved', approvals: 2 });
    const audit = await w.t.db.selectFrom('audit_log').select('action').where('subject', '=', proposal.id).execute();
    expect(audit.map((a) => a.action)).toContain('proposal.approval_withdrawn');
  });

  it('reopens a complete approval that has not executed yet; after execution it is too late', async () => {
    const { proposal } = await highRisk();
    await approve(proposal.id, 'U0A');
    expect(await approve(proposal.id, 'U0B')).toMatchObject({ outcome: 'approved' });
    expect(await withdraw(proposal.id, 'U0B')).toMatchObject({ ok: true, approvals: 1 });
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('pending');
    // Nothing approved, nothing to execute.
    const early = await executeProposal(
      { db: w.t.db, config, kubeConfigFor: () => kubeConfigOf(w.sandbox) },
      proposal.id,
      'test',
    );
    expect(early).toMatchObject({ executed: false });

    await approve(proposal.id, 'U0B');
    await executeProposal(
      { db: w.t.db, config, kubeConfigFor: () => kubeConfigOf(w.sandbox), verifyTimeoutMs: 1000, pollMs: 100 },
      proposal.id,
      'test',
    );
    expect(await withdraw(proposal.id, 'U0A')).toMatchObject({ ok: false, code: 'too_late' });
    expect((await listApprovals(w.t.db, proposal.id)).map((a) => a.actor).sort()).toEqual(['U0A', 'U0B']);
  });

  it('refuses someone with no approval, and everyone when approvals.withdraw is off', async () => {
    const { proposal } = await highRisk();
    await approve(proposal.id, 'U0A');
    expect(await withdraw(proposal.id, 'U0B')).toMatchObject({ ok: false, code: 'no_approval' });
    expect(await withdraw(proposal.id, 'U0A', testConfig(['U0A', 'U0B'], { withdraw: false }))).toMatchObject({
      ok: false,
      code: 'disabled',
    });
    expect(await listApprovals(w.t.db, proposal.id)).toHaveLength(1);
  });
});
