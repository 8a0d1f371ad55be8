import type { KubeConfig } from '@kubernetes/client-node';
import { executeProposal } from '../approvals/execute.ts';
import { recoverExecution } from '../approvals/recover-execution.ts';
import type { Config } from '../config/config.ts';
import { verdictOf } from '../domain/proposal.ts';
import { checkpointProposal } from '../domain/run-checkpoint.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import { getProposal } from '../store/proposals.ts';
import type { Run } from '../store/schema.ts';
import type { EventPump } from './event-pump.ts';

/**
 * On resume: the proposal the run paused on is settled before the worker continues. An approved
 * one is executed (once, whoever wins); a decided one is reported as it stands.
 */
export async function settleProposal(
  deps: {
    db: Db;
    config: Config;
    kubeConfigFor(cluster: string): KubeConfig;
    verifyTimeoutMs?: number;
    /** The helm binary a `helm_rollback` runs (default: `helm` on PATH). */
    helm?: string;
    metrics?: Metrics;
  },
  run: Run,
  pump: EventPump,
  actor: string,
): Promise<void> {
  const proposalId = checkpointProposal(run.checkpoint);
  if (!proposalId) return;
  const p = await getProposal(deps.db, proposalId);
  if (!p) return;
  if (p.status === 'approved' || p.status === 'executing') {
    const execDeps = {
      db: deps.db,
      config: deps.config,
      kubeConfigFor: deps.kubeConfigFor,
      verifyTimeoutMs: deps.verifyTimeoutMs,
      helm: deps.helm,
      executor: actor,
      progress: (message: string) => pump.push({ type: 'step', data: { message } }),
    };
    pump.push({
      type: 'step',
      data: {
        message:
          p.status === 'approved'
            ? `Executing approved proposal ${p.id} (${p.action})`
            : `Proposal ${p.id} (${p.action}) was being executed when its process stopped: finding out what it did (it is never applied twice)`,
      },
    });
    // `executing` on resume: the executor died with the run's previous replica, or `claw approve` is still at it.
    const res =
      p.status === 'approved'
        ? await executeProposal(execDeps, p.id, actor)
        : await recoverExecution({ ...execDeps, waitMs: (deps.verifyTimeoutMs ?? 120_000) + 30_000 }, p.id, actor);
    if (!res.executed && res.proposal && res.proposal.status !== p.status)
      return settleProposal(deps, run, pump, actor);
    if (res.executed) {
      pump.push({ type: 'execution', data: { proposalId: p.id, ...res.outcome } });
      deps.metrics?.decisions.inc({ outcome: res.outcome.applied && res.outcome.verified ? 'executed' : 'failed' });
    }
    const rollback = p.blast_radius.rollback;
    if (res.executed && res.outcome.applied && !res.outcome.verified && rollback) {
      // Applied but not verified: the thread gets the way back, not just the failure.
      pump.push({
        type: 'step',
        data: { message: `The change was applied but did not verify. To undo it: ${rollback}` },
      });
    }
    return;
  }
  const v = verdictOf(p);
  deps.metrics?.decisions.inc({ outcome: p.status });
  if (v.kind === 'executed' || v.kind === 'not_applied') {
    const applied = v.kind === 'executed';
    pump.push({
      type: 'execution',
      data: { proposalId: p.id, applied, verified: applied && v.verified, message: v.message },
    });
  } else {
    const by = v.kind === 'rejected' && v.by ? ` by ${v.by}${v.reason ? `: ${v.reason}` : ''}` : '';
    pump.push({
      type: 'decision',
      data: { proposalId: p.id, status: p.status, message: `proposal ${p.id} was ${p.status}${by}` },
    });
  }
}
