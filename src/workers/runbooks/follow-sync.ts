import type { GitPushRequest } from '../../domain/git-change.ts';
import type { GitOpsFix } from '../../domain/gitops-owner.ts';
import type { RunCheckpoint } from '../../domain/run-checkpoint.ts';
import { commitContains, mergedInto } from '../../git/merged-into.ts';
import type { Proposal } from '../../store/schema.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { ownerLabel } from './git-first.ts';

/** How long a pushed fix may take to be synced and healthy: Argo CD looks at Git every 3 minutes, Flux at its interval. */
const WINDOW_MS = 15 * 60_000;
const POLL_MS = 2_000;
/** How long a delivered branch or pull request is watched for its merge, and how often (doubling to at most 15 minutes). */
const MERGE_WAIT_MS = 3 * 24 * 3_600_000;
const MERGE_FIRST_LOOK_MS = 60_000;
const MERGE_LOOK_MAX_MS = 15 * 60_000;

interface Status {
  kind: string;
  revision?: string;
  sync?: string;
  health?: string;
  ready?: string;
  message?: string;
  lastAppliedRevision?: string;
}

/** Kept in the run's checkpoint while it waits for a human to merge what was delivered. */
interface MergeWait {
  since: string;
  everyMs: number;
}

/**
 * A Git fix is not done when it is delivered: the run follows it until the owner runs a revision
 * holding the change and is healthy and the original finding is gone — then it says resolved;
 * otherwise, when the window closes, it says what is still wrong. A branch or pull request first
 * waits for a human's merge (merge, squash or rebase) without holding a worker: the run is
 * deferred and looks again later, for up to three days.
 */
export async function followSync(ctx: WorkerContext, cp: GitOpsFix, p: Proposal, about: string): Promise<WorkerResult> {
  const req = p.request as GitPushRequest;
  const owner = cp.owner;
  const label = ownerLabel(owner);
  const repo = ctx.repos[req.repo];
  let target = req.commit;
  let how = `Pushed ${req.commit.slice(0, 7)} to ${req.tracked}`;
  if (req.delivery !== 'push') {
    const merged = await awaitMerge(ctx, p, label, about);
    if (typeof merged !== 'string') return merged;
    target = merged;
    how = `${req.ref} is merged into ${req.tracked} at ${merged.slice(0, 7)}`;
  }
  const short = target.slice(0, 7);
  ctx.emit({ type: 'step', data: { message: `${how}; waiting for ${label} to sync it` } });
  // Whether a revision the owner runs holds the change (a later commit on the branch does too).
  const known = new Map<string, boolean>();
  const holds = async (running: string | undefined) => {
    if (!running) return false;
    if (running === target) return true;
    if (!known.has(running))
      known.set(running, repo ? await commitContains(repo, ctx.dataDir, running, target).catch(() => false) : false);
    return known.get(running)!;
  };
  const deadline = Date.now() + WINDOW_MS;
  let last = 'not checked';
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const s = await ctx.callTool<Status>('gitops_status', {
      kind: owner.kind,
      namespace: owner.namespace,
      name: owner.name,
    });
    // A HelmRelease records no Git revision of its own (its values arrive through whatever applies it).
    const running =
      s.kind === 'Application'
        ? s.revision
        : s.kind === 'HelmRelease'
          ? target
          : s.lastAppliedRevision?.split(':').pop();
    const healthy = s.kind === 'Application' ? s.health === 'Healthy' : s.ready === 'True';
    const synced = await holds(running);
    let now: string;
    if (synced && healthy) {
      const still = await originalFinding(ctx, cp);
      if (!still)
        return {
          status: 'succeeded',
          summary: `${about}. Resolved: ${label} synced ${short} and is healthy; ${cp.finding.object.kind} ${cp.finding.object.name} no longer shows ${cp.finding.category.replace(/_/g, ' ')}.`,
        };
      now = `${label} runs ${short}, but ${still}`;
    } else
      now = synced
        ? `${label} runs ${short} but is ${s.health ?? `not Ready: ${s.message}`}`
        : `${label} is at ${running?.slice(0, 7) ?? 'an unknown revision'}, not yet ${short} (${s.sync ?? s.ready ?? ''}${s.health ? `, ${s.health}` : ''})`;
    if (now !== last) ctx.emit({ type: 'step', data: { message: now } });
    last = now;
    ctx.heartbeat();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return {
    status: 'escalated',
    summary: `${about}. ${how}, but after ${WINDOW_MS / 60_000} minutes: ${last}. A human should look.`,
  };
}

/**
 * The tracked branch's head once it holds the delivered change; until then the run waits
 * (deferred, its checkpoint noting since when), and after three days it stops following.
 */
async function awaitMerge(
  ctx: WorkerContext,
  p: Proposal,
  label: string,
  about: string,
): Promise<string | WorkerResult> {
  const req = p.request as GitPushRequest;
  const commit = req.commit.slice(0, 7);
  const repo = ctx.repos[req.repo];
  if (!repo)
    return {
      status: 'succeeded',
      summary: `${about}. Delivered ${commit} on ${req.ref}; ${label} applies it once it is merged into ${req.tracked} (${req.repo} is no longer configured, so the merge is not followed).`,
    };
  const merged = await mergedInto(repo, ctx.dataDir, req).catch(() => undefined);
  if (merged) return merged;
  const prior = (ctx.checkpoint as { mergeWait?: MergeWait } | undefined)?.mergeWait;
  const wait = prior ?? { since: new Date().toISOString(), everyMs: MERGE_FIRST_LOOK_MS };
  if (Date.now() - Date.parse(wait.since) >= MERGE_WAIT_MS)
    return {
      status: 'escalated',
      summary: `${about}. Delivered ${commit} on ${req.ref}, but it was not merged into ${req.tracked} within ${MERGE_WAIT_MS / 86_400_000} days, so this thread stops following it: merge it or close it.`,
    };
  if (!prior)
    ctx.emit({
      type: 'step',
      data: {
        message: `Delivered ${commit} on ${req.ref}. Once it is merged into ${req.tracked}, ${label}'s sync is followed here (the merge is looked for over the next ${MERGE_WAIT_MS / 86_400_000} days)`,
      },
    });
  return {
    status: 'waiting',
    summary: `${about}. Delivered ${commit} on ${req.ref}; waiting for its merge into ${req.tracked}, then for ${label} to sync it.`,
    checkpoint: waitingCheckpoint(ctx, p, {
      since: wait.since,
      everyMs: Math.min(wait.everyMs * 2, MERGE_LOOK_MAX_MS),
    }),
    until: new Date(Date.now() + wait.everyMs),
  };
}

/** The run's checkpoint as it was (what it resumes from), with the merge wait noted. */
function waitingCheckpoint(ctx: WorkerContext, p: Proposal, mergeWait: MergeWait): RunCheckpoint {
  const cp: RunCheckpoint & { mergeWait: MergeWait } = { ...(ctx.checkpoint ?? {}), proposalId: p.id, mergeWait };
  return cp;
}

async function originalFinding(ctx: WorkerContext, cp: GitOpsFix): Promise<string | undefined> {
  const o = cp.finding.object;
  const triage = await ctx.callTool<{
    problems: { category: string; summary: string; object: { kind: string; name: string; namespace?: string } }[];
  }>('find_problems', { ...(o.namespace ? { namespace: o.namespace } : {}) });
  const same = triage.problems.find(
    (x) =>
      x.category === cp.finding.category &&
      x.object.name === o.name &&
      x.object.kind === o.kind &&
      x.object.namespace === o.namespace,
  );
  return same?.summary;
}
