import type { Signer } from '../lib/signer.ts';
import type { Approval, Proposal } from '../store/schema.ts';

// What the signing key's MACs cover. Someone who can write the database can change any column,
// but cannot make a MAC that verifies: the executor acts only on a proposal whose seal verifies,
// and counts only approvals whose seal verifies and names that proposal's seal.

type SealedProposal = Pick<
  Proposal,
  'id' | 'run_id' | 'task_id' | 'action' | 'cluster' | 'artifact_hash' | 'risk' | 'required_approvals'
> & {
  target: unknown;
  request: unknown;
  approvers: readonly string[];
  expires_at: Date | string;
};

/** The request, target, required approvals, approvers and expiry of a proposal, as signed. */
export function proposalSeal(p: SealedProposal): unknown {
  return {
    v: 1,
    id: p.id,
    run: p.run_id,
    task: p.task_id,
    action: p.action,
    cluster: p.cluster,
    target: p.target,
    request: p.request,
    artifact: p.artifact_hash,
    risk: p.risk,
    required: p.required_approvals,
    approvers: [...p.approvers],
    expires: new Date(p.expires_at).toISOString(),
  };
}

/** Who decided what, on which proposal, bound to that proposal's own signature. */
export function approvalSeal(
  a: Pick<Approval, 'proposal_id' | 'actor' | 'decision' | 'artifact_hash'>,
  proposalSignature: string,
): unknown {
  return {
    v: 1,
    proposal: a.proposal_id,
    actor: a.actor,
    decision: a.decision,
    artifact: a.artifact_hash,
    sealed: proposalSignature,
  };
}

/** Why a stored proposal's seal does not verify, or undefined when it does. */
export function proposalSealProblem(signer: Signer, p: Proposal): string | undefined {
  if (!p.signature || !p.key_id)
    return 'it carries no signature (made before CLAW_SIGNING_KEY signing, or written outside ClusterClaw); propose it again';
  if (!signer.knows(p.key_id))
    return `it was signed with key ${p.key_id}, which this process does not have (CLAW_SIGNING_KEY, CLAW_SIGNING_KEY_PREVIOUS)`;
  const sealed = proposalSeal({ ...p, approvers: p.approvers ?? [] });
  return signer.verify(sealed, p.key_id, p.signature)
    ? undefined
    : 'its signature does not verify: the stored proposal was changed outside ClusterClaw';
}

/** The approvals of `p` that verify: signed, for this proposal's seal, and by distinct people. */
export function verifiedApprovals(signer: Signer, p: Proposal, approvals: Approval[]): Approval[] {
  const seen = new Set<string>();
  return approvals.filter((a) => {
    if (a.decision !== 'approve' || a.artifact_hash !== p.artifact_hash || seen.has(a.actor) || !p.signature)
      return false;
    if (!signer.verify(approvalSeal(a, p.signature), a.key_id, a.signature)) return false;
    seen.add(a.actor);
    return true;
  });
}
