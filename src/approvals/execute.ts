import type { KubeConfig } from '@kubernetes/client-node';
import { diagnosePod } from '../analyzers/pod-health.ts';
import { currentRevisionFailure, rolloutStatus } from '../analyzers/rollout.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import type { WriteRequest } from '../cluster/kube-reader.ts';
import { KubeWriter } from '../cluster/kube-writer.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { listApprovals } from '../store/approvals.ts';
import type { Db } from '../store/db.ts';
import { getProposal, transitionProposal } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { artifactHash, specHash } from './artifact.ts';

export interface ExecuteDeps {
  db: Db;
  /** The kubeconfig for the proposal's cluster; the executor builds its own writer from it. */
  kubeConfigFor(cluster: string): KubeConfig;
  verifyTimeoutMs?: number;
  pollMs?: number;
}

export interface ExecutionOutcome {
  applied: boolean;
  verified: boolean;
  message: string;
  /** True when the cluster moved since approval: the approval is void and nothing was applied. */
  stale?: boolean;
}

export type ExecuteResult = { executed: true; proposal: Proposal; outcome: ExecutionOutcome } | { executed: false; reason: string; proposal?: Proposal };

/**
 * The only code path that mutates a cluster (Invariant 1). Takes an approved proposal through
 * approved → executing (one caller wins), re-validates the artifact hash, the approvals and the
 * target's freshness, applies the stored request verbatim, verifies the outcome and records it.
 */
export async function executeProposal(deps: ExecuteDeps, proposalId: string, actor: string): Promise<ExecuteResult> {
  const { db } = deps;
  const claimed = await transitionProposal(db, proposalId, ['approved'], 'executing');
  if (!claimed) {
    const p = await getProposal(db, proposalId);
    return { executed: false, reason: p ? `proposal is ${p.status}, not approved` : `no proposal ${proposalId}`, proposal: p };
  }
  const finish = async (status: 'executed' | 'failed', outcome: ExecutionOutcome): Promise<ExecuteResult> => {
    const done = (await transitionProposal(db, proposalId, ['executing'], status, { outcome: { ...outcome } }))!;
    await appendAudit(db, { actor, action: `proposal.${status}`, subject: proposalId, data: { ...outcome } });
    return { executed: true, proposal: done, outcome };
  };
  const request = claimed.request as unknown as WriteRequest;
  const dryRunSpec = (claimed.dry_run as { object?: { spec?: unknown } }).object?.spec;
  const recomputed = artifactHash({ cluster: claimed.cluster, action: claimed.action, request, targetSpecHash: claimed.target_spec_hash, dryRunSpec });
  const approvals = (await listApprovals(db, proposalId)).filter((a) => a.decision === 'approve');
  if (recomputed !== claimed.artifact_hash || approvals.length < claimed.required_approvals || approvals.some((a) => a.artifact_hash !== claimed.artifact_hash)) {
    return finish('failed', { applied: false, verified: false, message: 'refused: the stored proposal no longer matches the artifact that was approved' });
  }
  await appendAudit(db, { actor, action: 'proposal.executing', subject: proposalId, data: { artifactHash: claimed.artifact_hash } });
  const writer = new KubeWriter(deps.kubeConfigFor(claimed.cluster));
  try {
    const live = await writer.readDeployment(request.namespace, request.name);
    if (specHash(live) !== claimed.target_spec_hash) {
      return finish('failed', { applied: false, verified: false, stale: true, message: `not applied: ${request.namespace}/${request.name} changed since the dry-run, so the approval is void; a new proposal is needed` });
    }
    const again = await writer.dryRun(request);
    if (canonicalJson(again.spec) !== canonicalJson(dryRunSpec)) {
      return finish('failed', { applied: false, verified: false, stale: true, message: 'not applied: a fresh dry-run no longer gives the approved result; a new proposal is needed' });
    }
    await writer.apply(request);
  } catch (e) {
    return finish('failed', { applied: false, verified: false, message: `not applied: ${describeKubeError(e)}` });
  }
  const verdict = await waitForRollout(writer, request.namespace, request.name, deps.verifyTimeoutMs ?? 120_000, deps.pollMs ?? 500);
  return finish(verdict.done ? 'executed' : 'failed', { applied: true, verified: verdict.done, message: verdict.message });
}

/**
 * Polls until the Deployment passes `kubectl rollout status`'s test, fails it, its new pods
 * visibly fail (crash loop, OOM, pull error: no point waiting out the deadline), or time runs out.
 */
async function waitForRollout(writer: KubeWriter, namespace: string, name: string, timeoutMs: number, pollMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = { done: false, failed: false, message: 'not checked' };
  while (Date.now() < deadline) {
    const d = await writer.readDeployment(namespace, name);
    last = rolloutStatus(d);
    if (last.done || last.failed) return last;
    const failing = currentRevisionFailure(d, await writer.listReplicaSets(namespace), await writer.listPods(namespace), diagnosePod);
    if (failing) return { done: false, failed: true, message: `rollout is failing: ${failing}` };
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { ...last, message: `rollout not complete after ${Math.round(timeoutMs / 1000)}s: ${last.message}` };
}
