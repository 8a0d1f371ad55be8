import { appendAudit } from '../audit/audit-log.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { type WriteRequest, primaryRef } from '../cluster/write-request.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { getProposal, transitionProposal } from '../store/proposals.ts';
import { absent, specHash } from './artifact.ts';
import type { ExecuteDeps, ExecuteResult, ExecutionOutcome } from './execute.ts';
import { verifyOutcome } from './verify-outcome.ts';

/**
 * A proposal its run finds still `executing` when the run resumes. Its executor was the run's
 * previous replica (which lost the run's lease, so it died or was cut off) or another process,
 * such as `claw approve`, which may still be at it: that one is given `waitMs` to finish.
 *
 * Nothing is ever applied again. The journal the executor wrote before its first write tells
 * what happened: no journal, or a target still as it was approved, means nothing was applied;
 * otherwise the change is verified now like a fresh one. The outcome is recorded once.
 */
export async function recoverExecution(deps: ExecuteDeps & { waitMs?: number }, proposalId: string, actor: string): Promise<ExecuteResult> {
  const deadline = Date.now() + (deps.waitMs ?? 0);
  let p = await getProposal(deps.db, proposalId);
  // A supervisor executes under the run's lease, which we now hold: that executor is gone.
  const diedWithRun = (executor: string | undefined) => !executor || executor.startsWith('supervisor:');
  while (p?.status === 'executing' && !diedWithRun(p.execution?.executor) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
    p = await getProposal(deps.db, proposalId);
  }
  if (p?.status !== 'executing') return { executed: false, reason: p ? `proposal is ${p.status}` : `no proposal ${proposalId}`, proposal: p };

  const request = p.request as unknown as WriteRequest;
  const ref = primaryRef(request);
  const finish = async (status: 'executed' | 'failed', outcome: ExecutionOutcome): Promise<ExecuteResult> => {
    const done = await transitionProposal(deps.db, proposalId, ['executing'], status, { outcome: { ...outcome, recovered: true } });
    if (!done) return { executed: false, reason: 'another process recorded the outcome first', proposal: await getProposal(deps.db, proposalId) };
    await appendAudit(deps.db, { actor, action: `proposal.${status}`, subject: proposalId, data: { ...outcome, recovered: true, interruptedExecutor: p.execution?.executor ?? null } });
    return { executed: true, proposal: done, outcome };
  };
  const who = p.execution?.executor ? ` (${p.execution.executor})` : '';
  if (!p.execution) {
    return finish('failed', { applied: false, verified: false, message: `interrupted before anything was applied: its executor${who} stopped; nothing changed and it is not retried, so a new proposal is needed` });
  }
  const reader = new KubeReader(deps.kubeConfigFor(p.cluster));
  const current = (await reader.find(ref)) ?? absent(ref);
  if (specHash(current) === p.target_spec_hash) {
    return finish('failed', { applied: false, verified: false, message: `interrupted before the change was applied: its executor${who} stopped; the target is as it was approved, so nothing changed and it is not retried` });
  }
  const verdict = await verifyOutcome(reader, { action: p.action, request, before: p.execution.before as KubeObject }, { timeoutMs: deps.verifyTimeoutMs ?? 120_000, pollMs: deps.pollMs ?? 500 });
  return finish(verdict.done ? 'executed' : 'failed', { applied: true, verified: verdict.done, message: `${verdict.message} (verified after its executor${who} stopped mid-way; not applied again)` });
}
