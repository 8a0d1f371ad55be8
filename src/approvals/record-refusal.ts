import { ProposalRefused } from '../domain/errors.ts';
import type { Risk } from '../domain/proposal.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { insertProposal } from '../store/proposals.ts';

/** A change refused before it could be proposed: what it was, and where it would have gone. */
export interface RefusedChange {
  runId: string;
  taskId: string;
  action: string;
  cluster: string;
  target: unknown;
  request: unknown;
  risk: Risk;
  blastRadius: Record<string, unknown>;
  rationale: string;
}

/**
 * Records a change that was refused before it could be proposed (status `refused`, never
 * pending, never approvable), with the rule or stage that refused it, and returns the error to
 * throw. The run's thread says why; `claw show` and `--json` list it.
 */
export async function recordRefusal(
  db: Db,
  c: RefusedChange,
  stage: ProposalRefused['stage'],
  why: { rule: string; reason: string },
): Promise<ProposalRefused> {
  const id = newId('prop');
  await insertProposal(db, {
    id,
    run_id: c.runId,
    task_id: c.taskId,
    action: c.action,
    cluster: c.cluster,
    target: JSON.stringify(c.target),
    request: JSON.stringify(c.request),
    target_spec_hash: '',
    artifact_hash: '',
    dry_run: JSON.stringify({ ok: false, error: why.reason }),
    diff: '',
    risk: c.risk,
    blast_radius: JSON.stringify(c.blastRadius),
    rationale: c.rationale,
    required_approvals: 0,
    policy_rule: why.rule,
    approvers: JSON.stringify([]),
    status: 'refused',
    outcome: JSON.stringify({ refused: { stage, rule: why.rule, reason: why.reason } }),
    expires_at: new Date(),
  });
  return new ProposalRefused(stage, why.reason, id, why.rule);
}
