import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { recoverExecution } from '../../src/approvals/recover-execution.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { KubeWriter } from '../../src/cluster/kube-writer.ts';
import { primaryRef, stepsOf, type WriteRequest } from '../../src/domain/write-request.ts';
import { getProposal, recordExecution, transitionProposal } from '../../src/store/proposals.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';

// An executor that died mid-way leaves its proposal 'executing'. Whoever resumes the run finds out
// what happened from the journal and the cluster, and never applies the change a second time.
describe('recovering an interrupted execution', () => {
  const w = useDemoWorld();
  const config = testConfig(['U0APPROVER1']);
  const writes = () =>
    w.sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun && r.path.includes('/deployments/')).length;
  const deps = () => ({
    db: w.t.db,
    config,
    kubeConfigFor: () => kubeConfigOf(w.sandbox),
    verifyTimeoutMs: 20_000,
    pollMs: 100,
  });

  /** An approved proposal its executor claimed (approved → executing), then died holding. */
  async function claimedThenDied(journal: 'none' | 'before-apply' | 'after-apply') {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    await transitionProposal(w.t.db, proposal.id, ['approved'], 'executing');
    if (journal === 'none') return proposal;
    const reader = new KubeReader(kubeConfigOf(w.sandbox));
    const request = proposal.request as unknown as WriteRequest;
    await recordExecution(w.t.db, proposal.id, {
      executor: 'supervisor:dead-replica:4242',
      startedAt: new Date().toISOString(),
      before: await reader.find(primaryRef(request)),
    });
    if (journal === 'after-apply')
      for (const step of stepsOf(request)) await new KubeWriter(kubeConfigOf(w.sandbox)).apply(step);
    return proposal;
  }

  it('died right after claiming it: the dead executor is fenced off and the change is executed afresh, once', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    await transitionProposal(w.t.db, proposal.id, ['approved'], 'executing', {
      execution: { executor: 'supervisor:dead-replica:4242', startedAt: new Date().toISOString() },
    });
    const before = writes();
    const res = await recoverExecution(deps(), proposal.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('executed');
    expect(writes()).toBe(before + 1);
    // The "dead" executor was only slow: its journal write is refused, so it never writes.
    expect(
      await recordExecution(w.t.db, proposal.id, {
        executor: 'supervisor:dead-replica:4242',
        startedAt: new Date().toISOString(),
        before: {},
      }),
    ).toBe(false);
  });

  it('no record of who claimed it at all: recorded as not applied, and nothing is applied now', async () => {
    const p = await claimedThenDied('none');
    const before = writes();
    const res = await recoverExecution(deps(), p.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: true, outcome: { applied: false, verified: false } });
    expect((await getProposal(w.t.db, p.id))!.status).toBe('failed');
    expect(writes()).toBe(before);
  });

  it('died after its journal but before the write: the target is as approved, so not applied, and not retried', async () => {
    const p = await claimedThenDied('before-apply');
    const before = writes();
    const res = await recoverExecution(deps(), p.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: true, outcome: { applied: false } });
    if (res.executed) expect(res.outcome.message).toContain('supervisor:dead-replica:4242');
    expect(writes()).toBe(before);
  });

  it('died after the write: the change is verified now, recorded executed, and applied exactly once in all', async () => {
    const before = writes();
    const p = await claimedThenDied('after-apply');
    expect(writes()).toBe(before + 1);
    const res = await recoverExecution(deps(), p.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    const stored = (await getProposal(w.t.db, p.id))!;
    expect(stored.status).toBe('executed');
    expect(stored.outcome).toMatchObject({ recovered: true });
    expect(writes()).toBe(before + 1);
    // A second recovery (another replica, a retry) finds nothing to do.
    expect(await recoverExecution(deps(), p.id, 'supervisor:other')).toMatchObject({ executed: false });
  });

  it('waits for a `claw approve` still executing instead of declaring it dead', async () => {
    const p = await claimedThenDied('none');
    await recordExecution(w.t.db, p.id, {
      executor: 'cli:laptop:99',
      startedAt: new Date().toISOString(),
      before: null,
    });
    setTimeout(
      () =>
        void transitionProposal(w.t.db, p.id, ['executing'], 'executed', {
          outcome: { applied: true, verified: true, message: 'done by the CLI' },
        }),
      300,
    );
    const res = await recoverExecution({ ...deps(), waitMs: 10_000 }, p.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: false });
    expect(res.proposal?.status).toBe('executed');
    expect(res.proposal?.outcome).toMatchObject({ message: 'done by the CLI' });
  });
});
