import type { ServiceFacts, ThrottlingFacts, WorkloadFacts } from '../../analyzers/problem-facts.ts';
import type { Problem } from '../../analyzers/snapshot.ts';
import type { RepoConfig } from '../../config/config.ts';
import type { Finding } from '../../domain/findings.ts';
import { type GitOpsFix, type GitOpsOwner, repoForSource } from '../../domain/gitops-owner.ts';
import { refLabel } from '../../lib/kube-object.ts';
import { cpuMillis, formatCpu, formatMi, quantityToMi } from '../../lib/quantity.ts';
import { attempt } from '../coding/change-worker.ts';
import type { CodingSession } from '../coding/coding-session.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { type GitEdit, raiseLimit, revertImageChange, revertScaleToZero } from './git-edits.ts';
import type { Checkpoint } from './resume.ts';

/** Owners that re-apply Git: a live patch is reverted (self-heal, the next reconcile) or diverges. */
const RECONCILING = new Set<GitOpsOwner['kind']>(['Application', 'Kustomization', 'HelmRelease']);
/** Problems that, when they arrived with the newest revision, putting the previous image back fixes. */
const NEW_REVISION_PROBLEMS = new Set(['crash_loop', 'rollout_stuck', 'probe_failure']);

export function isGitManaged(p: Problem): boolean {
  return reconciles(p.owner);
}

/** Whether an owner re-applies Git (Argo CD, a Flux Kustomization or HelmRelease): live changes do not stick. */
export function reconciles(owner: GitOpsOwner | undefined): owner is GitOpsOwner {
  return Boolean(owner && RECONCILING.has(owner.kind));
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
  const edit = gitEditFor(p, src.path ?? '.');
  if (edit) {
    const result = await editInGit(ctx, repo, edit, { owner, finding }, why);
    if (result.status === 'awaiting_approval') return result;
    ctx.emit({ type: 'step', data: { message: `No deterministic Git fix: ${result.summary}` } });
  }
  return handToCodingAgent(ctx, repo, { owner, finding }, why);
}

/**
 * A fix the runbooks know, on an object a GitOps owner applies, made in the owner's repository
 * (mapped from its source): an edit in a clone, through the same gate as an agent's change, to a
 * git_change whose run follows the owner's sync once pushed. Escalates when the source is no
 * configured repository or no single place in it takes the edit.
 */
export async function fixOwnerSourceInGit(
  ctx: WorkerContext,
  fix: GitOpsFix,
  edit: PlannedEdit,
  why: string,
): Promise<WorkerResult> {
  const src = fix.owner.source ?? {};
  const repo = repoForSource(Object.values(ctx.repos), src) as RepoConfig | undefined;
  if (!repo)
    return {
      status: 'escalated',
      summary: `${fix.finding.summary}. ${why}. ${src.url ?? 'Its source'} is not a configured repository (repos: in claw.yaml): make the change in Git there.`,
    };
  const result = await editInGit(ctx, repo, edit, fix, why);
  return result.status === 'awaiting_approval'
    ? result
    : {
        status: 'escalated',
        summary: `${fix.finding.summary}. ${why}. ${result.summary}: a human should make it in ${repo.name}.`,
      };
}

async function editInGit(
  ctx: WorkerContext,
  repo: RepoConfig,
  edit: PlannedEdit,
  { owner, finding }: GitOpsFix,
  why: string,
): Promise<WorkerResult> {
  ctx.emit({ type: 'step', data: { message: `Looking in ${repo.name} for ${edit.what}` } });
  const result = await attempt(ctx, repo, async (_ctx, ws) => editSession(edit.run, edit.describe)(ws.dir));
  if (result.status === 'awaiting_approval' && result.checkpoint?.proposalId) {
    const cp: Checkpoint = { proposalId: result.checkpoint.proposalId, finding, action: 'git_change', owner };
    return { ...result, summary: `${finding.summary}. ${why}. ${result.summary}`, checkpoint: cp };
  }
  return result;
}

/**
 * No runbook edit fits: the fix becomes a change task on the owner's repository for the coding
 * agents, in this thread, with the findings as its context and the finding gone after the sync as
 * its acceptance; once its change is pushed it follows the sync itself. With no coding agent
 * configured, the run escalates with the command that would start one.
 */
async function handToCodingAgent(
  ctx: WorkerContext,
  repo: RepoConfig,
  fix: GitOpsFix,
  why: string,
): Promise<WorkerResult> {
  const { owner, finding } = fix;
  const what = `${finding.category.replace(/_/g, ' ')} of ${finding.object.kind} ${finding.object.namespace ? `${finding.object.namespace}/` : ''}${finding.object.name}`;
  const path = owner.source?.path;
  const question = `Fix the ${what}, which ${ownerLabel(owner)} deploys from ${path ? `${path} in ` : ''}this repository.`;
  const started = await ctx.startChange({
    repo: repo.name,
    question,
    context: [`${finding.summary}.`, why, ...finding.evidence.slice(0, 12).map((e) => `- ${e}`)].join('\n'),
    acceptance: [
      `${ownerLabel(owner)} renders the change${path ? ` from ${path}` : ''}, and once it syncs, ${finding.object.kind} ${finding.object.name} no longer shows ${finding.category.replace(/_/g, ' ')}`,
    ],
    gitopsFix: fix,
  });
  if ('unavailable' in started)
    return {
      status: 'escalated',
      summary: `${finding.summary}. ${why}. No runbook edit fits, and ${started.unavailable.replace(/^No/, 'no')} Fix it in ${repo.name}: claw change --repo ${repo.name} "${question}"`,
    };
  ctx.emit({
    type: 'step',
    data: { message: `Started change task ${started.taskId} on ${repo.name} for a coding agent` },
  });
  return {
    status: 'succeeded',
    summary: `${finding.summary}. ${why}. No runbook edit fits, so change task ${started.taskId} on ${repo.name} hands the fix to a coding agent: its change goes through CI and the gate to an approval here, and once pushed it follows ${ownerLabel(owner)}'s sync until the finding is gone.`,
  };
}

export interface PlannedEdit {
  what: string;
  run: (dir: string) => Promise<GitEdit | undefined>;
  describe: (e: GitEdit) => string;
}

/**
 * The edit the runbooks know for a problem, if any: an image that cannot be pulled (or one that
 * fails since it arrived) goes back to what its commit replaced; a memory limit that kills the
 * container, or a CPU limit that throttles it, is doubled where Git sets it; a workload a commit
 * scaled to zero (its Service has no endpoints) gets its replica count back. Searched in the owner's path first, then the whole
 * repository (a HelmRelease's values live in its own manifest).
 */
function gitEditFor(p: Problem, path: string): PlannedEdit | undefined {
  const wide = (edit: (scope: string) => Promise<GitEdit | undefined>) => async () =>
    (await edit(path)) ?? (path !== '.' ? edit('.') : undefined);
  const f = p.facts as Partial<WorkloadFacts>;
  const newest = Boolean(f.failureIsNewRevision || f.onlyNewFails);
  if (f.image && (p.category === 'image_pull' || (NEW_REVISION_PROBLEMS.has(p.category) && newest))) {
    const image = f.image;
    return {
      what: `the commit that brought ${image} in`,
      run: (dir) => wide((scope) => revertImageChange(dir, scope, image))(),
      describe: (e) =>
        `Put back the image ${e.reverts.commit.slice(0, 7)} ("${e.reverts.subject}") replaced: ${e.changes.join('; ')}`,
    };
  }
  const limit = f.limits?.memory;
  const mi = quantityToMi(limit);
  if (p.category === 'oom_killed' && limit && mi !== undefined) {
    const next = formatMi(mi * 2);
    return {
      what: `where Git sets the ${limit} memory limit`,
      run: (dir) => wide((scope) => raiseLimit(dir, scope, 'memory', limit, next))(),
      describe: (e) =>
        `Raise the memory limit of container ${f.container} from ${limit} to ${next} (it is OOM-killed at ${limit}): ${e.changes.join('; ')}`,
    };
  }
  const idle = p.category === 'service_no_endpoints' ? (p.facts as ServiceFacts).scaledToZero : undefined;
  if (idle)
    return {
      what: `the commit that scaled ${idle.kind} ${idle.name} to zero`,
      run: (dir) => wide((scope) => revertScaleToZero(dir, scope))(),
      describe: (e) =>
        `Put back the replica count ${e.reverts.commit.slice(0, 7)} ("${e.reverts.subject}") set to 0: ${e.changes.join('; ')}`,
    };
  const t = p.category === 'cpu_throttling' ? (p.facts as ThrottlingFacts) : undefined;
  const cpu = t?.limits.cpu;
  const millis = cpuMillis(cpu);
  if (t && cpu && millis) {
    const next = formatCpu(millis * 2);
    return {
      what: `where Git sets the ${cpu} CPU limit`,
      run: (dir) => wide((scope) => raiseLimit(dir, scope, 'cpu', cpu, next))(),
      describe: (e) =>
        `Raise the CPU limit of container ${t.container} from ${cpu} to ${next} (it uses ${t.usedMillis}m and is throttled): ${e.changes.join('; ')}`,
    };
  }
  return undefined;
}

/** A coding session whose one turn is a deterministic edit: no model, the same gate. */
function editSession(
  edit: (dir: string) => Promise<GitEdit | undefined>,
  describe: (e: GitEdit) => string,
): (dir: string) => CodingSession {
  return (dir) => {
    let turns = 0;
    return {
      async turn() {
        if (turns++ > 0)
          return { ok: false, summary: '', error: 'a deterministic edit cannot answer what the gate reported' };
        const done = await edit(dir);
        if (!done) return { ok: true, summary: 'the repository holds no single place to make that edit' };
        return { ok: true, summary: describe(done) };
      },
      async close() {},
    };
  };
}
