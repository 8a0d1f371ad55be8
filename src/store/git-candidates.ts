import type { Db } from './db.ts';

/** Keeps a proposal's candidate commit (a Git bundle) where any executor can read it. */
export async function saveGitCandidate(
  db: Db,
  c: { proposalId: string; repo: string; base: string; commit: string; bundle: Buffer },
): Promise<void> {
  await db
    .insertInto('git_candidates')
    .values({
      proposal_id: c.proposalId,
      repo: c.repo,
      base: c.base,
      commit_sha: c.commit,
      bundle: new Uint8Array(c.bundle),
    })
    .execute();
}

export async function getGitCandidate(
  db: Db,
  proposalId: string,
): Promise<{ repo: string; base: string; commit: string; bundle: Buffer } | undefined> {
  const row = await db
    .selectFrom('git_candidates')
    .selectAll()
    .where('proposal_id', '=', proposalId)
    .executeTakeFirst();
  return row && { repo: row.repo, base: row.base, commit: row.commit_sha, bundle: Buffer.from(row.bundle) };
}
