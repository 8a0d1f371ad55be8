import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { listRunEvents } from '../../src/store/run-events.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { useAgentHarness } from '../helpers/agent-harness.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

describe('a runbook run after its proposal settles badly', () => {
  const h = useAgentHarness();
  const config = testConfig(['U0APPROVER1']);

  it('is followed by a ready rollback proposal, which executes once on approval and is never rolled back itself', async () => {
    // A verification deadline nothing can meet: every applied change "does not verify".
    const supervisor = testSupervisor({
      db: h.t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(h.sandbox),
      verifyTimeoutMs: 1,
      pollMs: 50,
    });
    const revision = () =>
      h.sandbox.state.store.mustGet(T.deployment, 'shop', 'cart').metadata.annotations?.[
        'deployment.kubernetes.io/revision'
      ];
    const realPatches = () => h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun).length;
    const before = { revision: revision(), patches: realPatches() };
    const { run } = await createTask(h.t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'checkout is failing',
      namespace: 'shop',
    });
    expect(await driveRun(supervisor, h.t.db, run.id, 30_000)).toMatchObject({
      status: 'awaiting_approval',
      worker: 'runbooks',
    });
    const [fix] = await listProposalsForRun(h.t.db, run.id);
    expect(fix).toMatchObject({ action: 'rollout_undo', status: 'pending' });
    expect((fix!.blast_radius as { undo: unknown }).undo).toEqual({
      tool: 'rollout_undo',
      input: { namespace: 'shop', name: 'cart', toRevision: Number(before.revision) },
    });

    await decide({ db: h.t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });
    const waiting = await driveRun(supervisor, h.t.db, run.id, 30_000);
    expect(waiting.status).toBe('awaiting_approval');
    const proposals = await listProposalsForRun(h.t.db, run.id);
    const rollback = proposals.find((p) => p.id !== fix!.id)!;
    expect(proposals.find((p) => p.id === fix!.id)).toMatchObject({
      status: 'failed',
      outcome: expect.objectContaining({ applied: true, verified: false }),
    });
    // The way back is an ordinary proposal: dry-run diff, policy, approval, card (the proposal event).
    expect(rollback).toMatchObject({
      action: 'rollout_undo',
      status: 'pending',
      rationale: expect.stringContaining(`to revision ${before.revision}`),
    });
    expect(rollback.diff).toContain('cart:1.4.2');
    const events = await listRunEvents(h.t.db, run.id);
    expect(
      events.some((e) => e.type === 'proposal' && (e.data as { proposalId: string }).proposalId === rollback.id),
    ).toBe(true);
    expect(waiting.summary).toContain('Proposed rollback: Roll back deployment shop/cart');
    expect(realPatches()).toBe(before.patches + 1);

    await decide({ db: h.t.db, config }, { proposalId: rollback.id, actor: 'U0APPROVER1', decision: 'approve' });
    const done = await driveRun(supervisor, h.t.db, run.id, 30_000);
    // The rollback did not verify either (nothing can here): a human is called, no third proposal.
    expect(done.status).toBe('escalated');
    expect(done.summary).toContain('rollout_undo applied but did not verify');
    expect(done.summary).toContain('and the rollback (rollout_undo) did not verify either');
    expect(await listProposalsForRun(h.t.db, run.id)).toHaveLength(2);
    expect(realPatches()).toBe(before.patches + 2);
    await supervisor.stop();
  });
});

describe('a runbook run whose approval was voided', () => {
  const h = useAgentHarness();
  const config = testConfig(['U0APPROVER1']);

  it('investigates again when the approval was voided because the target moved, and proposes afresh', async () => {
    const supervisor = testSupervisor({
      db: h.t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(h.sandbox),
      verifyTimeoutMs: 20_000,
      pollMs: 50,
    });
    const realPatches = () => h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun).length;
    const { run } = await createTask(h.t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'cart again',
      namespace: 'shop',
    });
    await driveRun(supervisor, h.t.db, run.id, 30_000);
    const [first] = await listProposalsForRun(h.t.db, run.id);
    await decide({ db: h.t.db, config }, { proposalId: first!.id, actor: 'U0APPROVER1', decision: 'approve' });
    // Someone scales cart between the approval and the execution.
    const cart = h.sandbox.state.store.mustGet(T.deployment, 'shop', 'cart');
    h.sandbox.state.store.update(T.deployment, { ...cart, spec: { ...cart.spec, replicas: 3 } });
    const patches = realPatches();
    const again = await driveRun(supervisor, h.t.db, run.id, 30_000);
    expect(realPatches()).toBe(patches);
    const [stale, fresh] = await listProposalsForRun(h.t.db, run.id);
    expect(stale).toMatchObject({
      id: first!.id,
      status: 'failed',
      outcome: expect.objectContaining({ applied: false, stale: true }),
    });
    expect(fresh).toMatchObject({ action: 'rollout_undo', status: 'pending' });
    expect(fresh!.blast_radius).toMatchObject({ description: expect.stringContaining('3 pod(s)') }); // planned against the cluster as it is now
    expect(again).toMatchObject({
      status: 'awaiting_approval',
      checkpoint: expect.objectContaining({ proposalId: fresh!.id }),
    });
    const steps = (await listRunEvents(h.t.db, run.id))
      .filter((e) => e.type === 'step')
      .map((e) => (e.data as { message: string }).message);
    expect(steps.some((m) => m.includes('Investigating again against the cluster as it is now'))).toBe(true);
    await supervisor.stop();
  });
});
