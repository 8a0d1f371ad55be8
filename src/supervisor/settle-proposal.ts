import type { KubeConfig } from '@kubernetes/client-node';
import { executeProposal } from '../approvals/execute.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import { getProposal } from '../store/proposals.ts';
import type { Run } from '../store/schema.ts';
import type { EventPump } from './event-pump.ts';

/**
 * On resume: the proposal the run paused on is settled before the worker continues. An approved
 * one is executed (once, whoever wins); a decided one is reported as it stands.
 */
export async function settleProposal(deps: { db: Db; config: Config; kubeConfigFor(cluster: string): KubeConfig; verifyTimeoutMs?: number; metrics?: Metrics }, run: Run, pump: EventPump, actor: string): Promise<void> {
  const proposalId = (run.checkpoint as { proposalId?: string } | null)?.proposalId;
  if (!proposalId) return;
  const p = await getProposal(deps.db, proposalId);
  if (!p) return;
  if (p.status === 'approved') {
    pump.push({ type: 'step', data: { message: `Executing approved proposal ${p.id} (${p.action})` } });
    const res = await executeProposal({ db: deps.db, config: deps.config, kubeConfigFor: deps.kubeConfigFor, verifyTimeoutMs: deps.verifyTimeoutMs }, p.id, actor);
    if (res.executed) {
      pump.push({ type: 'execution', data: { proposalId: p.id, ...res.outcome } });
      deps.metrics?.decisions.inc({ outcome: res.outcome.applied && res.outcome.verified ? 'executed' : 'failed' });
    }
    const rollback = (p.blast_radius as { rollback?: string }).rollback;
    if (res.executed && res.outcome.applied && !res.outcome.verified && rollback) {
      // Applied but not verified: the thread gets the way back, not just the failure.
      pump.push({ type: 'step', data: { message: `The change was applied but did not verify. To undo it: ${rollback}` } });
    }
  } else if (p.status === 'executed' || p.status === 'failed') {
    const o = (p.outcome ?? {}) as { applied?: boolean; verified?: boolean; message?: string };
    pump.push({ type: 'execution', data: { proposalId: p.id, applied: Boolean(o.applied), verified: Boolean(o.verified), message: o.message ?? '' } });
    deps.metrics?.decisions.inc({ outcome: p.status });
  } else {
    deps.metrics?.decisions.inc({ outcome: p.status });
    const { rejectedBy, reason } = (p.outcome ?? {}) as { rejectedBy?: string; reason?: string | null };
    const by = rejectedBy ? ` by ${rejectedBy}${reason ? `: ${reason}` : ''}` : '';
    pump.push({ type: 'decision', data: { proposalId: p.id, status: p.status, message: `proposal ${p.id} was ${p.status}${by}` } });
  }
}
