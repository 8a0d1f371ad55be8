import { ProposalRefused } from '../../approvals/propose.ts';
import { describeKubeError } from '../../cluster/api-error.ts';
import type { Finding } from '../../domain/findings.ts';
import type { UndoCall } from '../../domain/write-plan.ts';
import type { Proposal } from '../../store/schema.ts';
import { PlanError } from '../../tools/define-tool.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';

export interface Checkpoint {
  proposalId: string;
  finding: Finding;
  action: string;
  /** Set while the run waits on a rollback: the change that applied but did not verify. */
  undoOf?: { proposalId: string; action: string; failure: string };
}

type Outcome = {
  applied?: boolean;
  verified?: boolean;
  message?: string;
  stale?: boolean;
  rejectedBy?: string;
  reason?: string | null;
};

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
  const outcome = (p.outcome ?? {}) as Outcome;
  const t = p.target as { namespace?: string; name: string };
  const target = t.namespace ? `${t.namespace}/${t.name}` : t.name;
  switch (p.status) {
    case 'executed':
      return {
        status: 'succeeded',
        summary: `${about}. Applied ${p.action} to ${target} and verified: ${outcome.message}.`,
      };
    case 'failed': {
      const undo = (p.blast_radius as { undo?: UndoCall }).undo;
      if (outcome.applied && undo) return proposeRollback(ctx, cp, p, undo, outcome.message ?? 'it did not verify');
      if (outcome.stale) {
        // The approval is void because the cluster moved: look again, and propose afresh if still needed.
        ctx.emit({
          type: 'step',
          data: {
            message: `${p.action} was not applied: ${outcome.message}. Investigating again against the cluster as it is now.`,
          },
        });
        return investigate(ctx);
      }
      return {
        status: 'escalated',
        summary: outcome.applied
          ? `${about}. Applied ${p.action} to ${target}, but the outcome did not verify: ${outcome.message}. A human should look now.`
          : `${about}. ${p.action} was approved but not applied: ${outcome.message}.`,
      };
    }
    case 'rejected':
      return {
        status: 'succeeded',
        summary: `${about}. The proposed ${p.action} was rejected${outcome.rejectedBy ? ` by ${outcome.rejectedBy}` : ''}${outcome.reason ? ` ("${outcome.reason}")` : ''}; no change was made to the cluster.`,
      };
    case 'expired':
    case 'superseded':
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
    return {
      status: 'awaiting_approval',
      summary: `${about}. ${failed.action} applied but did not verify: ${failure}. Proposed rollback: ${plan.summary}.`,
      checkpoint: {
        proposalId: proposal.id,
        finding: cp.finding,
        action: proposal.action,
        undoOf: { proposalId: failed.id, action: failed.action, failure },
      } satisfies Checkpoint,
    };
  } catch (e) {
    const message = e instanceof ProposalRefused || e instanceof PlanError ? e.message : describeKubeError(e);
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
  const outcome = (p.outcome ?? {}) as Outcome;
  const first = `${about}. ${undoOf.action} applied but did not verify (${undoOf.failure})`;
  switch (p.status) {
    case 'executed':
      return {
        status: 'escalated',
        summary: `${first}; it was rolled back with ${p.action}, verified: ${outcome.message}. The original problem remains: a human should look.`,
      };
    case 'failed':
      return {
        status: 'escalated',
        summary: `${first}, and the rollback (${p.action}) ${outcome.applied ? `did not verify either: ${outcome.message}` : `was not applied: ${outcome.message}`}. A human should look now.`,
      };
    case 'rejected':
    case 'expired':
    case 'superseded':
      return {
        status: 'escalated',
        summary: `${first}; the proposed rollback (${p.action}) was ${p.status}${outcome.reason ? ` ("${outcome.reason}")` : ''}, so the change stays. A human should look now.`,
      };
    default:
      return {
        status: 'awaiting_approval',
        summary: `waiting for a decision on the rollback ${p.id} (${p.status})`,
        checkpoint: cp,
      };
  }
}
