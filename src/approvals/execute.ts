import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { appendAudit } from '../audit/audit-log.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import { impersonating } from '../cluster/impersonate.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { KubeWriter } from '../cluster/kube-writer.ts';
import type { Config } from '../config/config.ts';
import { SigningKeyMissing } from '../domain/errors.ts';
import { isGitPush } from '../domain/git-change.ts';
import { isHelmRollback } from '../domain/helm-rollback.ts';
import { isMaintenancePlan } from '../domain/maintenance-plan.ts';
import type { ExecutionOutcome } from '../domain/proposal.ts';
import { primaryRef, stepsOf, type WriteStep, withResourceVersion } from '../domain/write-request.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { type KubeObject, refLabel } from '../lib/kube-object.ts';
import { listApprovals } from '../store/approvals.ts';
import { type Db, maybeSignerOf } from '../store/db.ts';
import { getProposal, recordExecution, transitionProposal } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { actingIdentity, approverAuthority } from './approver-authority.ts';
import { absent, artifactHash, contentHash } from './artifact.ts';
import { staleBackupAtExecution } from './backup-freshness.ts';
import { deliverGitChange } from './deliver-git-change.ts';
import { dryRunDigest, dryRunRecord } from './dry-run-record.ts';
import { executeHelmRollback } from './execute-helm-rollback.ts';
import { executeMaintenancePlan } from './execute-maintenance.ts';
import { proposalSealProblem, verifiedApprovals } from './seal.ts';
import { verifyOutcome } from './verify-outcome.ts';

export interface ExecuteDeps {
  db: Db;
  /** Approver authority rules (approvals.checkAuthority, approvals.identities). */
  config: Config;
  /** The kubeconfig for the proposal's cluster; the executor builds its own writer from it. */
  kubeConfigFor(cluster: string): KubeConfig;
  verifyTimeoutMs?: number;
  pollMs?: number;
  /** Who is executing, for the journal: `supervisor:<owner>`; the CLI's host and pid otherwise. */
  executor?: string;
  /** The helm binary a `helm_rollback` runs (default: `helm` on PATH). */
  helm?: string;
  /** Step-by-step progress of a long execution (a node maintenance plan), for the thread. */
  progress?: (message: string) => void;
}

export type ExecuteResult =
  | { executed: true; proposal: Proposal; outcome: ExecutionOutcome }
  | { executed: false; reason: string; proposal?: Proposal };

/**
 * The only code path that mutates a cluster (Invariant 1). Takes an approved proposal through
 * approved → executing (one caller wins), re-validates the artifact hash, the approvals and the
 * target's freshness, applies the stored request verbatim, verifies the outcome and records it.
 */
export async function executeProposal(deps: ExecuteDeps, proposalId: string, actor: string): Promise<ExecuteResult> {
  const { db } = deps;
  const executor = deps.executor ?? `cli:${hostname()}:${process.pid}`;
  const startedAt = new Date().toISOString();
  // Without the key nothing can be verified or audited: refuse before claiming anything.
  const signer = maybeSignerOf(db);
  if (!signer) return { executed: false, reason: new SigningKeyMissing('executing a proposal').message };
  // The claim names its executor: a replica that finds it dead can fence it (recover-execution).
  const claimed = await transitionProposal(db, proposalId, ['approved'], 'executing', {
    execution: { executor, startedAt },
  });
  if (!claimed) {
    const p = await getProposal(db, proposalId);
    return {
      executed: false,
      reason: p ? `proposal is ${p.status}, not approved` : `no proposal ${proposalId}`,
      proposal: p,
    };
  }
  const finish = async (status: 'executed' | 'failed', outcome: ExecutionOutcome): Promise<ExecuteResult> => {
    const done = (await transitionProposal(db, proposalId, ['executing'], status, { outcome: { ...outcome } }))!;
    await appendAudit(db, { actor, action: `proposal.${status}`, subject: proposalId, data: { ...outcome } });
    return { executed: true, proposal: done, outcome };
  };
  const request = claimed.request;
  const stored = claimed.dry_run;
  // A proposal without a successful dry-run (refused) has no artifact an approval could match.
  const recomputed =
    stored.ok &&
    artifactHash({
      cluster: claimed.cluster,
      action: claimed.action,
      request,
      targetSpecHash: claimed.target_spec_hash,
      dryRun: dryRunDigest(stored),
    });
  if (!stored.ok || recomputed !== claimed.artifact_hash) {
    return finish('failed', {
      applied: false,
      verified: false,
      message: 'refused: the stored proposal no longer matches the artifact that was approved',
    });
  }
  // Only what the signing key vouches for counts: the proposal as signed at propose time, and
  // approvals signed by decide() for that proposal (rows written straight into the database do not).
  const unsealed = proposalSealProblem(signer, claimed);
  if (unsealed)
    return finish('failed', {
      applied: false,
      verified: false,
      message: `refused: the proposal cannot be verified: ${unsealed}`,
    });
  const approvals = verifiedApprovals(signer, claimed, await listApprovals(db, proposalId));
  if (approvals.length < claimed.required_approvals) {
    return finish('failed', {
      applied: false,
      verified: false,
      message: `refused: ${approvals.length} of ${claimed.required_approvals} required approvals verify; the others were not signed by ClusterClaw's decision path`,
    });
  }
  // A Git change goes to its remote, not a cluster: the executor's Git half pushes it.
  if (isGitPush(request)) {
    const delivered = await deliverGitChange(deps, claimed, request, { executor, startedAt, actor });
    return delivered.settled
      ? finish(delivered.status, delivered.outcome)
      : { executed: false, reason: delivered.reason, proposal: await getProposal(db, proposalId) };
  }
  // A Helm rollback runs through the real helm: the executor's Helm half.
  if (isHelmRollback(request)) {
    const done = await executeHelmRollback(deps, claimed, request, {
      executor,
      startedAt,
      actor,
      approvers: approvals.map((a) => a.actor),
    });
    return done.settled
      ? finish(done.status, done.outcome)
      : { executed: false, reason: done.reason, proposal: await getProposal(db, proposalId) };
  }
  // A node maintenance plan runs step by step: the executor's plan half.
  if (isMaintenancePlan(request)) {
    const done = await executeMaintenancePlan(deps, claimed, request, {
      executor,
      startedAt,
      actor,
      approvers: approvals.map((a) => a.actor),
    });
    return done.settled
      ? finish(done.status, done.outcome)
      : { executed: false, reason: done.reason, proposal: await getProposal(db, proposalId) };
  }
  const acting = actingIdentity(
    deps.config,
    approvals.map((a) => a.actor),
  );
  if (!acting.ok) return finish('failed', { applied: false, verified: false, message: `refused: ${acting.reason}` });
  // Reads, access reviews and verification use our credentials; the dry-run and the change itself
  // go as the approver when impersonating, so the cluster's RBAC has the last word.
  const kc = deps.kubeConfigFor(claimed.cluster);
  const reader = new KubeReader(kc);
  const writer = new KubeWriter(acting.who ? impersonating(kc, acting.who) : kc);
  const ref = primaryRef(request);
  let before: KubeObject;
  let applied = 0;
  try {
    const authority = await approverAuthority(
      reader,
      deps.config,
      approvals.map((a) => a.actor),
      stepsOf(request),
    );
    if (!authority.ok)
      return finish('failed', { applied: false, verified: false, message: `refused: ${authority.reason}` });
    const stale = await staleBackupAtExecution(reader, deps.config, { ...claimed, target: claimed.target, request });
    if (stale) return finish('failed', { applied: false, verified: false, message: `refused: ${stale}` });
    await appendAudit(db, {
      actor,
      action: 'proposal.executing',
      subject: proposalId,
      data: {
        artifactHash: claimed.artifact_hash,
        approvers: approvals.map((a) => a.actor),
        ...(acting.who
          ? { actingAs: { approver: acting.approver, user: acting.who.user, groups: [...acting.who.groups] } }
          : {}),
      },
    });
    before = (await reader.find(ref)) ?? absent(ref);
    // Written before the first write: a replica resuming after our death reads it (recover-execution).
    // Refused when that replica already took the execution back from us: we stop untouched.
    if (!(await recordExecution(db, proposalId, { executor, startedAt, before }))) {
      return {
        executed: false,
        reason: 'another process took this execution over; nothing was applied here',
        proposal: await getProposal(db, proposalId),
      };
    }
    const steps = stepsOf(request);
    // Read, compare with what was approved, then write with the resourceVersion just read as a
    // precondition: the server refuses (409) if anything moved in between, and we read and
    // compare again. Status churn bumps resourceVersion constantly, so only the content decides.
    for (let attempt = 1; ; attempt++) {
      if (contentHash(before) !== claimed.target_spec_hash) {
        return finish('failed', {
          applied: false,
          verified: false,
          stale: true,
          message: `not applied: ${refLabel(ref)} changed since the dry-run, so the approval is void; a new proposal is needed`,
        });
      }
      const rv = before.metadata.resourceVersion;
      const guarded = steps.map((s) => (rv && isStepOn(s, ref) ? withResourceVersion(s, rv) : s));
      try {
        const again = dryRunRecord(await writer.dryRun({ verb: 'sequence', steps: guarded }));
        if (canonicalJson(dryRunDigest(again)) !== canonicalJson(dryRunDigest(stored))) {
          return finish('failed', {
            applied: false,
            verified: false,
            stale: true,
            message: 'not applied: a fresh dry-run no longer gives the approved result; a new proposal is needed',
          });
        }
        await writer.apply(guarded[0]!);
        applied++;
        break;
      } catch (e) {
        if ((e as { code?: number }).code !== 409 || attempt >= 3) throw e;
        before = (await reader.find(ref)) ?? absent(ref);
      }
    }
    // The rest of a sequence (a drain's evictions) carries its own preconditions (each pod's uid).
    for (const step of steps.slice(1)) {
      await writer.apply(step);
      applied++;
    }
  } catch (e) {
    const steps = stepsOf(request).length;
    return finish('failed', {
      applied: applied > 0,
      verified: false,
      message: `${applied ? `applied ${applied} of ${steps} steps, then` : 'not applied:'} ${describeKubeError(e)}`,
    });
  }
  const verdict = await verifyOutcome(
    reader,
    { action: claimed.action, request, before },
    { timeoutMs: deps.verifyTimeoutMs ?? 120_000, pollMs: deps.pollMs ?? 500 },
  );
  return finish(verdict.done ? 'executed' : 'failed', {
    applied: true,
    verified: verdict.done,
    message: verdict.message,
  });
}

/** Whether a step writes the proposal's target itself (not an eviction of a pod on a drained node). */
function isStepOn(
  step: WriteStep,
  ref: { apiVersion: string; kind: string; namespace?: string; name: string },
): boolean {
  return (
    step.verb !== 'evict' &&
    step.kind === ref.kind &&
    step.name === ref.name &&
    step.namespace === ref.namespace &&
    step.apiVersion === ref.apiVersion
  );
}
