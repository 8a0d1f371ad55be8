import type { Problem } from '../../analyzers/snapshot.ts';
import type { RepoConfig } from '../../config/config.ts';
import type { Finding } from '../../domain/findings.ts';
import { type GitOpsOwner, repoForSource } from '../../domain/gitops-owner.ts';
import { refLabel } from '../../lib/kube-object.ts';
import { attempt } from '../coding/change-worker.ts';
import type { CodingSession } from '../coding/coding-session.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { type GitEdit, revertImageChange } from './git-edits.ts';
import type { Checkpoint } from './resume.ts';

/** Owners that re-apply Git: a live patch is reverted (self-heal, the next reconcile) or diverges. */
const RECONCILING = new Set<GitOpsOwner['kind']>(['Application', 'Kustomization', 'HelmRelease']);
/** Problems a bad image value in Git explains, and putting the previous one back fixes. */
const IMAGE_PROBLEMS = new Set(['image_pull', 'crash_loop', 'rollout_stuck', 'probe_failure', 'oom_killed']);

export function isGitManaged(p: Problem): boolean {
  return Boolean(p.owner && RECONCILING.has(p.owner.kind));
}

export function ownerLabel(o: GitOpsOwner): string {
  const tool = o.kind === 'Application' ? 'Argo CD' : 'Flux';
  return `${tool} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/**
 * A problem on an object Argo CD or Flux applies from Git is fixed in Git, never live: the owner's
 * source is mapped to a configured repository, and where the runbooks know the edit (the image a
 * commit brought in, put back as it was) it is made in a clone and goes through the same gate as
 * an agent's change — CI, render, dry-run, policy — to a git_change proposal. Otherwise the run
 * escalates with where the fix belongs and the command that starts a change task there.
 */
export async function fixInGit(ctx: WorkerContext, p: Problem, finding: Finding): Promise<WorkerResult> {
  const owner = p.owner!;
  const src = owner.source ?? {};
  const where = `${src.url ?? 'a source it does not name'}${src.path ? ` (path ${src.path})` : ''}`;
  const why = `${refLabel(p.object)} is applied by ${ownerLabel(owner)} from ${where}: a live change would be ${owner.kind === 'Application' ? 'reverted by its sync' : 'reverted at its next reconcile'} or leave Git behind, so the fix goes to Git`;
  ctx.emit({ type: 'step', data: { message: why } });
  const repo = repoForSource(Object.values(ctx.repos), src) as RepoConfig | undefined;
  if (!repo)
    return {
      status: 'escalated',
      summary: `${finding.summary}. ${why}. ${src.url ?? 'Its source'} is not a configured repository (repos: in claw.yaml): fix it in Git there.`,
    };
  const image = 'image' in p.facts ? p.facts.image : undefined;
  const brief = `fix ${p.category.replace(/_/g, ' ')} of ${refLabel(p.object)} (${finding.summary})`;
  if (image && IMAGE_PROBLEMS.has(p.category)) {
    ctx.emit({ type: 'step', data: { message: `Looking in ${repo.name} for the commit that brought ${image} in` } });
    // The value may live beside the path (a HelmRelease's values in its own manifest): then the whole repository.
    const revert = editSession(
      async (dir) =>
        (await revertImageChange(dir, src.path ?? '.', image)) ??
        (src.path && src.path !== '.' ? revertImageChange(dir, '.', image) : undefined),
    );
    const result = await attempt(ctx, repo, async (_ctx, ws) => revert(ws.dir));
    if (result.status === 'awaiting_approval' && result.checkpoint?.proposalId) {
      const cp: Checkpoint = { proposalId: result.checkpoint.proposalId, finding, action: 'git_change', owner };
      return { ...result, summary: `${finding.summary}. ${why}. ${result.summary}`, checkpoint: cp };
    }
    ctx.emit({ type: 'step', data: { message: `No deterministic Git fix: ${result.summary}` } });
  }
  return {
    status: 'escalated',
    summary: `${finding.summary}. ${why}. Fix it in ${repo.name}: claw change --repo ${repo.name} "${brief}"`,
  };
}

/** A coding session whose one turn is a deterministic edit: no model, the same gate. */
function editSession(edit: (dir: string) => Promise<GitEdit | undefined>): (dir: string) => CodingSession {
  return (dir) => {
    let turns = 0;
    return {
      async turn() {
        if (turns++ > 0)
          return { ok: false, summary: '', error: 'a deterministic edit cannot answer what the gate reported' };
        const done = await edit(dir);
        if (!done)
          return { ok: true, summary: 'no commit in the path brought that image in, or its lines have changed since' };
        return {
          ok: true,
          summary: `Put back the image ${done.reverts.commit.slice(0, 7)} ("${done.reverts.subject}") replaced: ${done.changes.join('; ')}`,
        };
      },
      async close() {},
    };
  };
}
