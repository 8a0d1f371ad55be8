import { tmpdir } from 'node:os';
import { appendAudit } from '../audit/audit-log.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { isGitPush } from '../domain/git-change.ts';
import { isHelmRollback } from '../domain/helm-rollback.ts';
import { isMaintenancePlan } from '../domain/maintenance-plan.ts';
import type { ExecutionOutcome } from '../domain/proposal.ts';
import { primaryRef } from '../domain/write-request.ts';
import { remoteRef } from '../git/remote-ref.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { fenceExecution, getProposal, transitionProposal } from '../store/proposals.ts';
import { absent, contentHash } from './artifact.ts';
import { openTheRequest } from './deliver-git-change.ts';
import { type ExecuteDeps, type ExecuteResult, executeProposal } from './execute.ts';
import { recoverHelmRollback } from './execute-helm-rollback.ts';
import { verifyOutcome } from './verify-outcome.ts';

/**
 * A proposal its run finds still `executing` when the run resumes. Its executor was the run's
 * previous replica (which lost the run's lease, so it died or was cut off) or another process,
 * such as `claw approve`, which may still be at it: that one is given `waitMs` to finish.
 *
 * Nothing is ever applied twice. An executor that only claimed the proposal (no journalled
 * target) applied nothing: it is fenced off and the proposal executed afresh. One that journalled
 * its target may have written: a target still as approved means it did not, and it is not
 * retried (it could still be about to); otherwise the change is verified now. Recorded once.
 */
export async function recoverExecution(
  deps: ExecuteDeps & { waitMs?: number },
  proposalId: string,
  actor: string,
): Promise<ExecuteResult> {
  const deadline = Date.now() + (deps.waitMs ?? 0);
  let p = await getProposal(deps.db, proposalId);
  // A supervisor executes under the run's lease, which we now hold: that executor is gone.
  const diedWithRun = (executor: string | undefined) => !executor || executor.startsWith('supervisor:');
  while (p?.status === 'executing' && !diedWithRun(p.execution?.executor) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
    p = await getProposal(deps.db, proposalId);
  }
  if (p?.status !== 'executing')
    return { executed: false, reason: p ? `proposal is ${p.status}` : `no proposal ${proposalId}`, proposal: p };

  const request = p.request;
  const finish = async (status: 'executed' | 'failed', outcome: ExecutionOutcome): Promise<ExecuteResult> => {
    const done = await transitionProposal(deps.db, proposalId, ['executing'], status, {
      outcome: { ...outcome, recovered: true },
    });
    if (!done)
      return {
        executed: false,
        reason: 'another process recorded the outcome first',
        proposal: await getProposal(deps.db, proposalId),
      };
    await appendAudit(deps.db, {
      actor,
      action: `proposal.${status}`,
      subject: proposalId,
      data: { ...outcome, recovered: true, interruptedExecutor: p.execution?.executor ?? null },
    });
    return { executed: true, proposal: done, outcome };
  };
  const who = p.execution?.executor ? ` (${p.execution.executor})` : '';
  if (p.execution?.before === undefined) {
    // Claimed, never journalled: nothing was applied. Fence the dead executor, execute afresh
    // (artifact, approvals and freshness are checked again).
    if (p.execution && (await fenceExecution(deps.db, proposalId, p.execution.executor))) {
      await appendAudit(deps.db, {
        actor,
        action: 'proposal.execution_taken_over',
        subject: proposalId,
        data: { interruptedExecutor: p.execution.executor },
      });
      return executeProposal(deps, proposalId, actor);
    }
    return finish('failed', {
      applied: false,
      verified: false,
      message: `interrupted before anything was applied: its executor${who} stopped; nothing changed and it is not retried, so a new proposal is needed`,
    });
  }
  if (isGitPush(request)) {
    // A push is a compare-and-swap on the remote: it landed (the ref is at the commit) or not at all.
    const repo = deps.config.repos[request.repo];
    const now = repo ? await remoteRef(repo, request.ref, tmpdir()).catch(() => undefined) : undefined;
    if (repo && now === request.commit && request.delivery === 'pull-request') {
      // The push landed; the pull request may not have been opened yet: found or opened once.
      const d = await openTheRequest(deps, p, request, repo, true);
      if (d.settled) return finish(d.status, d.outcome);
    }
    return now === request.commit
      ? finish('executed', {
          applied: true,
          verified: true,
          message: `pushed ${request.commit.slice(0, 12)} to ${request.ref} (found there after its executor${who} stopped; not pushed again)`,
        })
      : finish('failed', {
          applied: false,
          verified: false,
          message: `interrupted before the push landed: its executor${who} stopped; ${request.ref} is not at the approved commit, so nothing was delivered and it is not retried`,
        });
  }
  if (isMaintenancePlan(request)) {
    // A plan stopped mid-way is not resumed: its nodes are said as they are, and the way back.
    const reader = new KubeReader(deps.kubeConfigFor(p.cluster));
    const cordoned = (
      await Promise.all(request.nodes.map((name) => reader.find({ apiVersion: 'v1', kind: 'Node', name })))
    ).flatMap((n) => (n?.spec?.unschedulable ? [n.metadata.name] : []));
    return finish('failed', {
      applied: true,
      verified: false,
      message: `interrupted: its executor${who} stopped mid-plan and a plan is not resumed; cordoned now: ${cordoned.join(', ') || 'none'}${cordoned.length ? ` — the way back: kubectl uncordon ${cordoned.join(' ')}` : ''}`,
    });
  }
  if (isHelmRollback(request)) {
    const r = await recoverHelmRollback(deps, p, request, who);
    return finish(r.status, r.outcome);
  }
  const ref = primaryRef(request);
  const reader = new KubeReader(deps.kubeConfigFor(p.cluster));
  const current = (await reader.find(ref)) ?? absent(ref);
  if (contentHash(current) === p.target_spec_hash) {
    return finish('failed', {
      applied: false,
      verified: false,
      message: `interrupted before the change was applied: its executor${who} stopped; the target is as it was approved, so nothing changed and it is not retried`,
    });
  }
  const verdict = await verifyOutcome(
    reader,
    { action: p.action, request, before: p.execution.before as KubeObject },
    { timeoutMs: deps.verifyTimeoutMs ?? 120_000, pollMs: deps.pollMs ?? 500 },
  );
  return finish(verdict.done ? 'executed' : 'failed', {
    applied: true,
    verified: verdict.done,
    message: `${verdict.message} (verified after its executor${who} stopped mid-way; not applied again)`,
  });
}
