import { appendAudit } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import type { DryRunRecord, Risk, StoredBlastRadius } from '../domain/proposal.ts';
import { type Db, signerOf } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { findLiveProposal, insertProposal, supersedePending } from '../store/proposals.ts';
import { resumeRun } from '../store/runs.ts';
import type { Proposal, Task } from '../store/schema.ts';
import { proposalSeal } from './seal.ts';

/** Everything a judged, dry-run change needs to wait for a human as a sealed `pending` proposal. */
export interface JudgedChange {
  task: Task;
  runId: string;
  action: string;
  cluster: string;
  target: { kind: string; namespace?: string; name: string };
  request: unknown;
  targetSpecHash: string;
  artifactHash: string;
  dryRun: DryRunRecord;
  diff: string;
  requestView: string;
  risk: Risk;
  blastRadius: StoredBlastRadius;
  rationale: string;
  approval: { count: number; approvers: readonly string[]; rule: string };
  /** Audited beside the creation: what the reviewer is warned of, and policy's trace. */
  audit: { warnings: string[]; trace: unknown };
  /**
   * Supersede only this run's pending proposals for the target (a git change: other tasks'
   * changes to the same repository stand). By default every pending one for the target goes.
   */
  supersedeOnlyRun?: string;
  /** Stores what belongs beside a new proposal (a git change's candidate bundle), before it is audited. */
  beside?: (proposalId: string) => Promise<void>;
}

/**
 * Stores a judged change as a sealed `pending` proposal, audited. The same artifact from the same
 * run (a run that started over) is the proposal already out, not a new one. An older pending
 * proposal for the same target is superseded, audited, and its waiting run woken to say so.
 */
export async function storeProposal(db: Db, config: Config, c: JudgedChange): Promise<Proposal> {
  const same = await findLiveProposal(db, c.runId, c.artifactHash);
  if (same) return same;
  const id = newId('prop');
  const actor = `task:${c.task.requester}`;
  for (const old of await supersedePending(db, c.cluster, c.target, c.supersedeOnlyRun)) {
    await appendAudit(db, { actor, action: 'proposal.superseded', subject: old.id, data: { by: id } });
    // Its waiting run wakes to say so (fail closed); a run superseding its own is awake already.
    if (old.run_id !== c.runId) await resumeRun(db, old.run_id);
  }
  const expiresAt = new Date(Date.now() + config.approvals.ttlMinutes * 60_000);
  const seal = signerOf(db, 'proposing a change').sign(
    proposalSeal({
      id,
      run_id: c.runId,
      task_id: c.task.id,
      action: c.action,
      cluster: c.cluster,
      target: c.target,
      request: c.request,
      artifact_hash: c.artifactHash,
      risk: c.risk,
      required_approvals: c.approval.count,
      approvers: c.approval.approvers,
      expires_at: expiresAt,
    }),
  );
  const proposal = await insertProposal(db, {
    id,
    run_id: c.runId,
    task_id: c.task.id,
    action: c.action,
    cluster: c.cluster,
    target: JSON.stringify(c.target),
    request: JSON.stringify(c.request),
    target_spec_hash: c.targetSpecHash,
    artifact_hash: c.artifactHash,
    dry_run: JSON.stringify(c.dryRun),
    diff: c.diff,
    request_view: c.requestView,
    risk: c.risk,
    blast_radius: JSON.stringify(c.blastRadius),
    rationale: c.rationale,
    required_approvals: c.approval.count,
    policy_rule: c.approval.rule,
    approvers: JSON.stringify(c.approval.approvers),
    status: 'pending',
    expires_at: expiresAt,
    key_id: seal.keyId,
    signature: seal.mac,
  });
  await c.beside?.(id);
  await appendAudit(db, {
    actor,
    action: 'proposal.created',
    subject: id,
    data: {
      action: c.action,
      target: c.target,
      artifactHash: c.artifactHash,
      rule: c.approval.rule,
      approvals: c.approval.count,
      risk: c.risk,
      warnings: c.audit.warnings,
      trace: c.audit.trace,
    } as Record<string, unknown>,
  });
  return proposal;
}
