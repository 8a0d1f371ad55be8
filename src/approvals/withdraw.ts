import { appendAudit } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import { deleteApproval, listApprovals } from '../store/approvals.ts';
import { type Db, signerOf } from '../store/db.ts';
import { getProposal, transitionProposal } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { verifiedApprovals } from './seal.ts';

export type WithdrawResult =
  | { ok: true; proposal: Proposal; approvals: number; required: number; approvedBy: string[] }
  | { ok: false; code: 'not_found' | 'disabled' | 'no_approval' | 'too_late'; message: string; proposal?: Proposal };

/**
 * An approver takes back their approval, until the proposal executes (approvals.withdraw). A
 * proposal that had all its approvals goes back to pending — unless the executor claimed it first:
 * the same conditional transitions that make execution happen once decide the race. Audited.
 */
export async function withdrawApproval(
  deps: { db: Db; config: Config },
  input: { proposalId: string; actor: string; via?: { surface: 'slack' | 'cli' } },
): Promise<WithdrawResult> {
  const { db, config } = deps;
  if (!config.approvals.withdraw)
    return { ok: false, code: 'disabled', message: 'withdrawing an approval is turned off (approvals.withdraw)' };
  const proposal = await getProposal(db, input.proposalId);
  if (!proposal) return { ok: false, code: 'not_found', message: `no proposal ${input.proposalId}` };
  const tooLate = (p: Proposal): WithdrawResult => ({
    ok: false,
    code: 'too_late',
    message: `this proposal is ${p.status}: an approval can only be withdrawn until it executes`,
    proposal: p,
  });
  if (proposal.status !== 'pending' && proposal.status !== 'approved') return tooLate(proposal);
  const outcome = await db
    .transaction()
    .execute(async (trx) => {
      if (!(await deleteApproval(trx, proposal.id, input.actor))) return 'no_approval' as const;
      // Complete already: back to pending, unless the executor claimed it (then nothing is withdrawn).
      const reopened = await transitionProposal(trx, proposal.id, ['approved'], 'pending');
      if (!reopened && (await getProposal(trx, proposal.id))?.status !== 'pending') throw new WithdrawTooLate();
      return 'withdrawn' as const;
    })
    .catch((e) => {
      if (e instanceof WithdrawTooLate) return 'too_late' as const;
      throw e;
    });
  const now = (await getProposal(db, proposal.id))!;
  if (outcome === 'too_late') return tooLate(now);
  if (outcome === 'no_approval')
    return {
      ok: false,
      code: 'no_approval',
      message: 'you have no approval on this proposal to withdraw',
      proposal: now,
    };
  await appendAudit(db, {
    actor: input.actor,
    action: 'proposal.approval_withdrawn',
    subject: proposal.id,
    data: { was: proposal.status, ...(input.via ? { via: input.via.surface } : {}) },
  });
  const signer = signerOf(db, 'withdrawing an approval');
  const approvedBy = verifiedApprovals(signer, now, await listApprovals(db, proposal.id)).map((a) => a.actor);
  return { ok: true, proposal: now, approvals: approvedBy.length, required: now.required_approvals, approvedBy };
}

/** The executor claimed the proposal between our reads: the approval stands. */
class WithdrawTooLate extends Error {}
