import type { GitPushRequest } from '../../domain/git-change.ts';
import type { GitOpsFix } from '../../domain/gitops-owner.ts';
import type { Proposal } from '../../store/schema.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { ownerLabel } from './git-first.ts';

/** How long a pushed fix may take to be synced and healthy: Argo CD looks at Git every 3 minutes, Flux at its interval. */
const WINDOW_MS = 15 * 60_000;
const POLL_MS = 2_000;

interface Status {
  kind: string;
  revision?: string;
  sync?: string;
  health?: string;
  ready?: string;
  message?: string;
  lastAppliedRevision?: string;
}

/**
 * A Git fix is not done when it is pushed: the run follows it until the owner runs the pushed
 * commit and is healthy and the original finding is gone — then it says resolved; otherwise,
 * when the window closes, it says what is still wrong. A branch or pull request waits for a merge
 * that is a human's, so the run ends there, saying so.
 */
export async function followSync(ctx: WorkerContext, cp: GitOpsFix, p: Proposal, about: string): Promise<WorkerResult> {
  const req = p.request as GitPushRequest;
  const owner = cp.owner;
  const label = ownerLabel(owner);
  const commit = req.commit.slice(0, 7);
  if (req.delivery !== 'push')
    return {
      status: 'succeeded',
      summary: `${about}. Delivered ${commit} on ${req.ref}; ${label} applies it once it is merged into ${req.tracked}.`,
    };
  ctx.emit({ type: 'step', data: { message: `Pushed ${commit} to ${req.tracked}; waiting for ${label} to sync it` } });
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
          ? req.commit
          : s.lastAppliedRevision?.split(':').pop();
    const healthy = s.kind === 'Application' ? s.health === 'Healthy' : s.ready === 'True';
    let now: string;
    if (running === req.commit && healthy) {
      const still = await originalFinding(ctx, cp);
      if (!still)
        return {
          status: 'succeeded',
          summary: `${about}. Resolved: ${label} synced ${commit} and is healthy; ${cp.finding.object.kind} ${cp.finding.object.name} no longer shows ${cp.finding.category.replace(/_/g, ' ')}.`,
        };
      now = `${label} runs ${commit}, but ${still}`;
    } else
      now =
        running === req.commit
          ? `${label} runs ${commit} but is ${s.health ?? `not Ready: ${s.message}`}`
          : `${label} is at ${running?.slice(0, 7) ?? 'an unknown revision'}, not yet ${commit} (${s.sync ?? s.ready ?? ''}${s.health ? `, ${s.health}` : ''})`;
    if (now !== last) ctx.emit({ type: 'step', data: { message: now } });
    last = now;
    ctx.heartbeat();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return {
    status: 'escalated',
    summary: `${about}. Pushed ${commit} to ${req.tracked}, but after ${WINDOW_MS / 60_000} minutes: ${last}. A human should look.`,
  };
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
