import type { Db } from './db.ts';
import type { Approval } from './schema.ts';

/** Records one person's decision; a second decision by the same person is ignored (unique key). */
export async function recordApproval(
  db: Db,
  a: {
    proposal_id: string;
    actor: string;
    decision: 'approve' | 'reject';
    reason: string | null;
    artifact_hash: string;
    key_id: string;
    signature: string;
  },
): Promise<boolean> {
  const row = await db
    .insertInto('approvals')
    .values(a)
    .onConflict((oc) => oc.columns(['proposal_id', 'actor']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function listApprovals(db: Db, proposalId: string): Promise<Approval[]> {
  return db.selectFrom('approvals').selectAll().where('proposal_id', '=', proposalId).orderBy('created_at').execute();
}

/** Takes back one approver's approval (not a rejection); false when they had none. */
export async function deleteApproval(db: Db, proposalId: string, actor: string): Promise<boolean> {
  const gone = await db
    .deleteFrom('approvals')
    .where('proposal_id', '=', proposalId)
    .where('actor', '=', actor)
    .where('decision', '=', 'approve')
    .returning('id')
    .executeTakeFirst();
  return gone !== undefined;
}
