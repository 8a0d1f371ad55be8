import { appendAudit } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import { SigningKeyMissing } from '../domain/errors.ts';
import type { Signer } from '../lib/signer.ts';
import { canDecide } from '../policy/evaluate.ts';
import { listApprovals, recordApproval } from '../store/approvals.ts';
import { type Db, signerOf } from '../store/db.ts';
import { getProposal, transitionProposal } from '../store/proposals.ts';
import { resumeRun } from '../store/runs.ts';
import type { Proposal } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import { approvalSeal, proposalSealProblem, verifiedApprovals } from './seal.ts';

export type DecisionResult =
  | {
      ok: true;
      proposal: Proposal;
      outcome: 'approved' | 'rejected' | 'needs_more';
      approvals: number;
      required: number;
      approvedBy: string[];
    }
  | {
      ok: false;
      code:
        | 'not_found'
        | 'not_authorized'
        | 'already_decided'
        | 'expired'
        | 'duplicate'
        | 'reason_required'
        | 'unverifiable';
      message: string;
      proposal?: Proposal;
    };

type Refusal = Extract<DecisionResult, { ok: false }>;

/**
 * The one decision path for Slack, the CLI and anything later. Authorization first, then a
 * conditional transition (pending → approved/rejected) that exactly one caller can win, however
 * many clicks, retries or replicas race. The winner resumes the run; the executor does the rest.
 */
export async function decide(
  deps: { db: Db; config: Config },
  input: {
    proposalId: string;
    actor: string;
    decision: 'approve' | 'reject';
    reason?: string;
    requireReason?: boolean;
    actorGroups?: readonly string[];
    /** Where the decision came from, for the audit trail: a terminal decision is break-glass and names who typed it. */
    via?: { surface: 'slack' | 'cli'; osUser?: string; kubernetesUser?: string; cliAs?: boolean };
  },
): Promise<DecisionResult> {
  const { db } = deps;
  const proposal = await getProposal(db, input.proposalId);
  if (!proposal) return { ok: false, code: 'not_found', message: `no proposal ${input.proposalId}` };
  let signer: Signer;
  try {
    signer = signerOf(db, 'deciding on a proposal');
  } catch (e) {
    if (e instanceof SigningKeyMissing) return { ok: false, code: 'unverifiable', message: e.message, proposal };
    throw e;
  }
  const refused = await mayNotDecide(deps, proposal, input);
  if (refused) return refused;
  if (new Date(proposal.expires_at).getTime() <= Date.now()) {
    const expired = await transitionProposal(db, proposal.id, ['pending'], 'expired');
    if (expired) {
      await appendAudit(db, { actor: 'system', action: 'proposal.expired', subject: proposal.id });
      await resumeRun(db, proposal.run_id);
    }
    return {
      ok: false,
      code: 'expired',
      message: `proposal ${proposal.id} expired at ${new Date(proposal.expires_at).toISOString()}; ask for a new investigation`,
      proposal,
    };
  }
  // A decision binds to the proposal as it was signed: one changed in the database is not decided on.
  const unsealed = proposal.status === 'pending' ? proposalSealProblem(signer, proposal) : undefined;
  if (unsealed) {
    await appendAudit(db, {
      actor: input.actor,
      action: 'proposal.decision_refused',
      subject: proposal.id,
      data: { decision: input.decision, reason: `unverifiable: ${unsealed}` },
    });
    return { ok: false, code: 'unverifiable', message: `this proposal cannot be decided: ${unsealed}`, proposal };
  }
  const reason = input.reason?.trim() || null;
  if (input.decision === 'reject' && input.requireReason && !reason)
    return { ok: false, code: 'reason_required', message: 'a rejection needs a reason' };
  const decided = {
    proposal_id: proposal.id,
    actor: input.actor,
    decision: input.decision,
    artifact_hash: proposal.artifact_hash,
  };
  const seal = signer.sign(approvalSeal(decided, proposal.signature!));
  const fresh = await recordApproval(db, { ...decided, reason, key_id: seal.keyId, signature: seal.mac });
  if (!fresh) {
    const current = (await getProposal(db, proposal.id))!;
    if (current.status !== 'pending') return alreadyDecided(db, current);
    return {
      ok: false,
      code: 'duplicate',
      message: 'you have already recorded a decision on this proposal',
      proposal: current,
    };
  }
  await appendAudit(db, {
    actor: input.actor,
    action: `proposal.${input.decision}`,
    subject: proposal.id,
    data: {
      reason,
      artifactHash: proposal.artifact_hash,
      ...(input.via
        ? {
            via: input.via.surface,
            ...(input.via.surface === 'cli'
              ? {
                  breakGlass: true,
                  osUser: input.via.osUser,
                  ...(input.via.kubernetesUser ? { kubernetesUser: input.via.kubernetesUser } : {}),
                  ...(input.via.cliAs ? { cliAs: true } : {}),
                }
              : {}),
          }
        : {}),
    },
  });
  if (input.decision === 'reject') {
    // The reason travels with the proposal: the card, `claw show` and the paused run all read it.
    const rejected = await transitionProposal(db, proposal.id, ['pending'], 'rejected', {
      outcome: { rejectedBy: input.actor, reason },
    });
    if (!rejected) return alreadyDecided(db, (await getProposal(db, proposal.id))!);
    await resumeRun(db, proposal.run_id);
    return {
      ok: true,
      proposal: rejected,
      outcome: 'rejected',
      approvals: 0,
      required: proposal.required_approvals,
      approvedBy: [],
    };
  }
  const approvedBy = verifiedApprovals(signer, proposal, await listApprovals(db, proposal.id)).map((a) => a.actor);
  const approvals = approvedBy.length;
  if (approvals < proposal.required_approvals) {
    return { ok: true, proposal, outcome: 'needs_more', approvals, required: proposal.required_approvals, approvedBy };
  }
  const approved = await transitionProposal(db, proposal.id, ['pending'], 'approved', { notExpired: true });
  if (!approved) return alreadyDecided(db, (await getProposal(db, proposal.id))!);
  await appendAudit(db, {
    actor: input.actor,
    action: 'proposal.approved_final',
    subject: proposal.id,
    data: { approvals },
  });
  await resumeRun(db, proposal.run_id);
  return {
    ok: true,
    proposal: approved,
    outcome: 'approved',
    approvals,
    required: proposal.required_approvals,
    approvedBy,
  };
}

/**
 * Why `actor` may not decide `proposal` now (not an approver, self-approval, already decided), or
 * undefined when they may. Refusals are audited. Used by decide() and, before asking a rejecter
 * for a reason, by the Slack Reject button.
 */
export async function mayNotDecide(
  deps: { db: Db; config: Config },
  proposal: Proposal,
  input: { actor: string; decision: 'approve' | 'reject'; actorGroups?: readonly string[] },
): Promise<Refusal | undefined> {
  const task = await getTask(deps.db, proposal.task_id);
  const approvers = proposal.approvers?.length ? proposal.approvers : deps.config.approvals.approvers;
  const allowed = canDecide(input.actor, task?.requester ?? '', deps.config, approvers, input.actorGroups);
  if (!allowed.ok) {
    await appendAudit(deps.db, {
      actor: input.actor,
      action: 'proposal.decision_refused',
      subject: proposal.id,
      data: { decision: input.decision, reason: allowed.reason },
    });
    return { ok: false, code: 'not_authorized', message: allowed.reason, proposal };
  }
  if (proposal.status !== 'pending') return alreadyDecided(deps.db, proposal);
  return undefined;
}

async function alreadyDecided(db: Db, p: Proposal): Promise<Refusal> {
  const withdrawn = p.outcome && 'withdrawn' in p.outcome ? p.outcome.withdrawn : undefined;
  if (withdrawn)
    return {
      ok: false,
      code: 'already_decided',
      message: `this proposal was withdrawn: ${withdrawn}; nothing will change`,
      proposal: p,
    };
  const decisions = await listApprovals(db, p.id);
  const who = decisions
    .filter((d) => (p.status === 'rejected' ? d.decision === 'reject' : d.decision === 'approve'))
    .map((d) => `<@${d.actor}>`);
  const by = who.length ? ` by ${who.join(', ')}` : '';
  return { ok: false, code: 'already_decided', message: `this proposal is already ${p.status}${by}`, proposal: p };
}
