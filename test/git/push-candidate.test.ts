import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliveryBranch, type GitPushRequest } from '../../src/domain/git-change.ts';
import { commitCandidate } from '../../src/gate/commit-candidate.ts';
import { bundleCandidate } from '../../src/git/bundle.ts';
import { pushCandidate } from '../../src/git/push-candidate.ts';
import { cloneAt, refreshMirror } from '../../src/git/workspace.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';

/** An agent's committed change, bundled as the store keeps it, and the push request a proposal would carry. */
async function candidate(delivery: 'push-branch' | 'push', replicas = 3) {
  const r = bareRepo({ 'ci.sh': 'true\n', 'deploy/values.yaml': 'replicas: 2\n' }, { delivery });
  const data = join(r.root, 'data');
  const mirror = await refreshMirror(r.config, data);
  const ws = await cloneAt(r.config, mirror, join(r.root, 'attempt'));
  writeFileSync(join(ws.dir, 'deploy/values.yaml'), `replicas: ${replicas}\n`);
  const c = (await commitCandidate(ws, r.config, { message: 'Scale to 3', requester: 'U0ALICE' }))!;
  const bundle = await bundleCandidate(ws.dir, c.base, c.commit);
  const req: GitPushRequest = {
    verb: 'git_push',
    repo: 'demo',
    delivery,
    ref: delivery === 'push' ? 'main' : deliveryBranch('task_1', c.commit),
    tracked: 'main',
    base: c.base,
    commit: c.commit,
    tree: c.tree,
  };
  return { r, mirror, bundle, req, data };
}

describe('pushing an approved candidate', () => {
  it('push-branch: one claw/ branch at the commit, the tracked branch untouched; a retry finds it done', async () => {
    const { r, mirror, bundle, req } = await candidate('push-branch');
    const main = r.head();
    expect(await pushCandidate(r.config, mirror, bundle, req)).toEqual({ pushed: true });
    expect(r.head(req.ref)).toBe(req.commit);
    expect(r.head()).toBe(main);
    expect(git(r.bare, 'for-each-ref', '--format=%(refname)', 'refs/heads/claw')).toBe(`refs/heads/${req.ref}`);
    expect(await pushCandidate(r.config, mirror, bundle, req)).toEqual({ pushed: true, already: true });
    // What landed is the approved tree, from the bundle kept in the store.
    expect(git(r.bare, 'show', `${req.ref}:deploy/values.yaml`)).toBe('replicas: 3');
  });

  it('push: fast-forwards the tracked branch from exactly the base, and refuses once it moved', async () => {
    const { r, mirror, bundle, req } = await candidate('push');
    expect(await pushCandidate(r.config, mirror, bundle, req)).toEqual({ pushed: true });
    expect(r.head()).toBe(req.commit);

    const late = await candidate('push');
    late.r.push('README.md', 'someone else was faster\n');
    const moved = late.r.head();
    const result = await pushCandidate(late.r.config, late.mirror, late.bundle, late.req);
    expect(result).toMatchObject({ pushed: false, moved });
    expect((result as { reason: string }).reason).toContain('main moved since the change was made');
    expect(late.r.head()).toBe(moved);
  });

  it('refuses a bundle that does not hold the approved commit', async () => {
    const { r, mirror, bundle, req } = await candidate('push-branch');
    const other = await candidate('push-branch', 7);
    await expect(pushCandidate(r.config, mirror, other.bundle, req)).rejects.toThrow();
    expect(git(r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
    expect(bundle.length).toBeGreaterThan(0);
  });
});
