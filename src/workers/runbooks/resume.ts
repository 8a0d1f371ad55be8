import { describeKubeError } from '../../cluster/api-error.ts';
import { isCodedError } from '../../domain/errors.ts';
import type { Finding } from '../../domain/findings.ts';
import type { GitOpsOwner } from '../../domain/gitops-owner.ts';
import { verdictOf } from '../../domain/proposal.ts';
import type { RunCheckpoint } from '../../domain/run-checkpoint.ts';
import type { UndoCall } from '../../domain/write-plan.ts';
import type { Proposal } from '../../store/schema.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { followSync } from './follow-sync.ts';
import { followUpgrade } from './follow-upgrade.ts';

export interface Checkpoint extends RunCheckpoint {
  proposalId: string;
  finding: Finding;
  action: string;
  /** Set while the run waits on a rollback: the change that applied but did not verify. */
  undoOf?: { proposalId: string; action: string; failure: string };
  /** A Git fix's GitOps owner: once pushed, the run follows its sync (follow-sync.ts). */
  owner?: GitOpsOwner;
}

/**
 * A runbook resumes any checkpoint that names the proposal it waits on: its own, or that of a
 * model worker no longer configured (then without a finding).
 */
export function runbookCheckpoint(cp: RunCheckpoint | undefined): Checkpoint | undefined {
  return typeof cp?.proposalId === 'string' ? (cp as Checkpoint) : undefined;
}

/**
 * A paused runbook run wakes once its proposal is settled and says how it ended. A change that
 * applied but did not verify is not left half-done: its undo becomes a ready rollback proposal
 * (policy, dry-run and approval as ever) and the run waits on that instead. An approval voided
 * because the target changed starts the investigation again: a fresh proposal, or none if the
 * problem went away.
 */
export async function resume(
  ctx: WorkerContext,
  cp: Checkpoint,
  investigate: (ctx: WorkerContext) => Promise<WorkerResult>,
): Promise<WorkerResult> {
  // A run started by a model worker that is no longer configured resumes here without a finding.
  const about = cp.finding?.summary ?? 'The earlier investigation proposed a change';
  const p = await ctx.getProposal(cp.proposalId);
  if (!p) return { status: 'failed', summary: `proposal ${cp.proposalId} disappeared` };
  if (cp.undoOf) return afterRollback(cp, cp.undoOf, p, about);
  const v = verdictOf(p);
  const t = p.target;
  const target = t.namespace ? `${t.namespace}/${t.name}` : t.name;
  switch (v.kind) {
    case 'executed': {
      if (v.verified && p.action === 'git_change' && cp.owner)
        return followSync(ctx, { owner: cp.owner, finding: cp.finding }, p, about);
      // An accepted upgrade is followed until it completes.
      if (v.verified && (p.action === 'cluster_upgrade' || p.action === 'node_pool_upgrade'))
        return followUpgrade(ctx, p, about);
      if (v.verified)
        return {
          status: 'succeeded',
          summary: `${about}. Applied ${p.action} to ${target} and verified: ${v.message}.`,
        };
      const undo = p.blast_radius.undo;
      if (undo) return proposeRollback(ctx, cp, p, undo, v.message || 'it did not verify');
      return {
        status: 'escalated',
        summary: `${about}. Applied ${p.action} to ${target}, but the outcome did not verify: ${v.message}. A human should look now.`,
      };
    }
    case 'not_applied':
      if (v.stale) {
        // The approval is void because the cluster moved: look again, and propose afresh if still needed.
        ctx.emit({
          type: 'step',
          data: {
            message: `${p.action} was not applied: ${v.message}. Investigating again against the cluster as it is now.`,
          },
        });
        return investigate(ctx);
      }
      return { status: 'escalated', summary: `${about}. ${p.action} was approved but not applied: ${v.message}.` };
    case 'rejected':
      return {
        status: 'succeeded',
        summary: `${about}. The proposed ${p.action} was rejected${v.by ? ` by ${v.by}` : ''}${v.reason ? ` ("${v.reason}")` : ''}; no change was made to the cluster.`,
      };
    case 'expired':
    case 'withdrawn':
      return {
        status: 'succeeded',
        summary: `${about}. The proposed ${p.action} was ${p.status}; no change was made to the cluster.`,
      };
    default:
      return {
        status: 'awaiting_approval',
        summary: `waiting for a decision on ${p.id} (${p.status})`,
        checkpoint: cp,
      };
  }
}

async function proposeRollback(
  ctx: WorkerContext,
  cp: Checkpoint,
  failed: Proposal,
  undo: UndoCall,
  failure: string,
): Promise<WorkerResult> {
  const about = cp.finding?.summary ?? 'The earlier investigation proposed a change';
  ctx.emit({
    type: 'step',
    data: { message: `${failed.action} applied but did not verify (${failure}); proposing the way back: ${undo.tool}` },
  });
  try {
    const { proposal, plan } = await ctx.propose(undo.tool, {
      ...undo.input,
      reason: `roll back ${failed.id}: ${failed.action} did not verify`,
    });
    ctx.emit({
      type: 'proposal',
      data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
    });
    const rollback: Checkpoint = {
      proposalId: proposal.id,
      finding: cp.finding,
      action: proposal.action,
      undoOf: { proposalId: failed.id, action: failed.action, failure },
    };
    return {
      status: 'awaiting_approval',
      summary: `${about}. ${failed.action} applied but did not verify: ${failure}. Proposed rollback: ${plan.summary}.`,
      checkpoint: rollback,
    };
  } catch (e) {
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    ctx.emit({ type: 'error', data: { message: `could not propose the rollback (${undo.tool}): ${message}` } });
    return {
      status: 'escalated',
      summary: `${about}. ${failed.action} applied but did not verify: ${failure}. The rollback (${undo.tool}) could not be proposed: ${message}. A human should look now.`,
    };
  }
}

/** A rollback never gets a rollback of its own: whatever happened, a human looks next. */
function afterRollback(
  cp: Checkpoint,
  undoOf: NonNullable<Checkpoint['undoOf']>,
  p: Proposal,
  about: string,
): WorkerResult {
  const v = verdictOf(p);
  const first = `${about}. ${undoOf.action} applied but did not verify (${undoOf.failure})`;
  switch (v.kind) {
    case 'executed':
      return {
        status: 'escalated',
        summary: v.verified
          ? `${first}; it was rolled back with ${p.action}, verified: ${v.message}. The original problem remains: a human should look.`
          : `${first}, and the rollback (${p.action}) did not verify either: ${v.message}. A human should look now.`,
      };
    case 'not_applied':
      return {
        status: 'escalated',
        summary: `${first}, and the rollback (${p.action}) was not applied: ${v.message}. A human should look now.`,
      };
    case 'rejected':
    case 'expired':
    case 'withdrawn': {
      const reason = v.kind === 'rejected' ? v.reason : undefined;
      return {
        status: 'escalated',
        summary: `${first}; the proposed rollback (${p.action}) was ${p.status}${reason ? ` ("${reason}")` : ''}, so the change stays. A human should look now.`,
      };
    }
    default:
      return {
        status: 'awaiting_approval',
        summary: `waiting for a decision on the rollback ${p.id} (${p.status})`,
        checkpoint: cp,
      };
  }
}
