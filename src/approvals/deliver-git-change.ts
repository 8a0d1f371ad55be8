import { tmpdir } from 'node:os';
import { appendAudit } from '../audit/audit-log.ts';
import type { RepoConfig } from '../config/config.ts';
import type { GitPushRequest } from '../domain/git-change.ts';
import type { ExecutionOutcome } from '../domain/proposal.ts';
import { openPullRequest } from '../git/pull-request.ts';
import { pushCandidate } from '../git/push-candidate.ts';
import { remoteRef } from '../git/remote-ref.ts';
import { refreshMirror } from '../git/workspace.ts';
import { listApprovals } from '../store/approvals.ts';
import { getGitCandidate } from '../store/git-candidates.ts';
import { recordExecution } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
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
  if (verified && req.delivery === 'pull-request') return openTheRequest(deps, p, req, repo, pushed.already === true);
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

/**
 * After the push: the pull request, found if a retried execution already opened it. Also how a
 * recovered execution (recover-execution.ts) finishes a push that landed before its executor died.
 */
export async function openTheRequest(
  deps: ExecuteDeps,
  p: Proposal,
  req: GitPushRequest,
  repo: RepoConfig,
  pushedBefore: boolean,
): Promise<Delivery> {
  const task = await getTask(deps.db, p.task_id);
  const approvers = (await listApprovals(deps.db, p.id)).map((a) => a.actor);
  const opened = await openPullRequest(repo, {
    head: req.ref,
    base: req.tracked,
    title: (task?.question ?? p.rationale).replace(/\s+/g, ' ').trim().slice(0, 120),
    body: pullRequestBody(p, req, task?.question, task?.requester, approvers),
  });
  if (!opened.opened)
    return {
      settled: true,
      status: 'failed',
      outcome: {
        applied: true,
        verified: false,
        message: `pushed ${req.commit.slice(0, 12)} to ${req.ref} of ${repo.name}, but the pull request could not be opened: ${opened.reason}`,
      },
    };
  return {
    settled: true,
    status: 'executed',
    outcome: {
      applied: true,
      verified: true,
      message: `${opened.already ? 'found the pull request already open' : 'opened pull request'} #${opened.number} ${opened.url} from ${req.ref} into ${req.tracked} of ${repo.name}${pushedBefore ? ' (a retried execution found its push done)' : ''}`,
      pullRequest: { url: opened.url, number: opened.number },
    },
  };
}

/** The pull request's description: what was asked, why, what CI said, who approved. */
function pullRequestBody(
  p: Proposal,
  req: GitPushRequest,
  question: string | undefined,
  requester: string | undefined,
  approvers: string[],
): string {
  const ci = p.dry_run.ok ? p.dry_run.ci : undefined;
  return [
    `${p.rationale}`,
    '',
    question ? `**Asked** by ${requester ?? 'someone'}: ${question}` : '',
    ci
      ? `**CI** (\`${ci.command}\`): ${ci.ok ? 'passed' : 'failed'} in ${(ci.durationMs / 1000).toFixed(1)} s on ${req.commit.slice(0, 12)}`
      : '',
    `**Approved** in ClusterClaw by ${approvers.join(', ') || 'an approver'} (proposal \`${p.id}\`, artifact \`${p.artifact_hash.slice(0, 16)}\`).`,
    '',
    'Opened by ClusterClaw: the change was made by a coding agent in its own clone, passed the CI gate, and was approved before anything was pushed.',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
}
