import { tmpdir } from 'node:os';
import { appendAudit } from '../audit/audit-log.ts';
import type { GitPushRequest } from '../domain/git-change.ts';
import type { ExecutionOutcome } from '../domain/proposal.ts';
import { pushCandidate } from '../git/push-candidate.ts';
import { remoteRef } from '../git/remote-ref.ts';
import { refreshMirror } from '../git/workspace.ts';
import { getGitCandidate } from '../store/git-candidates.ts';
import { recordExecution } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import type { ExecuteDeps } from './execute.ts';

export type Delivery =
  | { settled: true; status: 'executed' | 'failed'; outcome: ExecutionOutcome }
  | { settled: false; reason: string };

/**
 * The executor's Git half (called only by executeProposal, after the artifact, the seal and the
 * approvals verified): pushes the stored candidate exactly as approved — a `claw/…` branch for
 * `push-branch`, a fast-forward of the tracked branch from exactly its base for `push` — and
 * verifies the remote shows the commit. A retried execution finds its push done and records it.
 */
export async function deliverGitChange(
  deps: ExecuteDeps,
  p: Proposal,
  req: GitPushRequest,
  journal: { executor: string; startedAt: string; actor: string },
): Promise<Delivery> {
  const failed = (message: string, stale = false): Delivery => ({
    settled: true,
    status: 'failed',
    outcome: { applied: false, verified: false, message: `not applied: ${message}`, ...(stale ? { stale } : {}) },
  });
  const repo = deps.config.repos[req.repo];
  if (!repo) return failed(`repository ${req.repo} is no longer configured (repos.${req.repo} in claw.yaml)`);
  const candidate = await getGitCandidate(deps.db, p.id);
  if (!candidate || candidate.commit !== req.commit)
    return failed('the stored candidate commit is missing or is not the approved one');
  await appendAudit(deps.db, {
    actor: journal.actor,
    action: 'proposal.executing',
    subject: p.id,
    data: { artifactHash: p.artifact_hash, repo: req.repo, ref: req.ref, commit: req.commit },
  });
  // Journalled before the push: a process taking over after our death checks the remote.
  if (
    !(await recordExecution(deps.db, p.id, {
      executor: journal.executor,
      startedAt: journal.startedAt,
      before: { ref: req.ref },
    }))
  )
    return { settled: false, reason: 'another process took this execution over; nothing was pushed here' };
  let pushed: Awaited<ReturnType<typeof pushCandidate>>;
  try {
    pushed = await pushCandidate(repo, await refreshMirror(repo, deps.config.dataDir), candidate.bundle, req);
  } catch (e) {
    return failed((e as Error).message);
  }
  if (!pushed.pushed) return failed(pushed.reason, pushed.moved !== undefined);
  const now = await remoteRef(repo, req.ref, tmpdir()).catch(() => undefined);
  const verified = now === req.commit;
  return {
    settled: true,
    status: verified ? 'executed' : 'failed',
    outcome: {
      applied: true,
      verified,
      message: verified
        ? `pushed ${req.commit.slice(0, 12)} to ${req.ref} of ${repo.name}${pushed.already ? ' (already there: a retried execution found its push done)' : ''}`
        : `pushed, but ${req.ref} of ${repo.name} shows ${now?.slice(0, 12) ?? 'nothing'} instead of ${req.commit.slice(0, 12)}`,
    },
  };
}
