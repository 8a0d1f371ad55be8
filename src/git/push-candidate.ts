import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoConfig } from '../config/config.ts';
import type { GitPushRequest } from '../domain/git-change.ts';
import { unbundleCandidate } from './bundle.ts';
import { remoteRef } from './remote-ref.ts';
import { GitError, runGit } from './run-git.ts';

export type PushResult = { pushed: true; already?: boolean } | { pushed: false; moved?: string; reason: string };

/**
 * Pushes an approved candidate — the only code in ClusterClaw that writes to a Git remote, called
 * only by the executor. A compare-and-swap on the remote: `push-branch` creates its `claw/…`
 * branch only if it does not exist, `push` moves the tracked branch only from exactly `base`. A
 * retried execution whose push already landed finds its ref at the commit and says so.
 */
export async function pushCandidate(
  repo: RepoConfig,
  mirror: string,
  bundle: Buffer,
  req: GitPushRequest,
): Promise<PushResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'claw-push-'));
  try {
    const now = await remoteRef(repo, req.ref, tmp);
    if (now === req.commit) return { pushed: true, already: true };
    const expected = req.delivery === 'push' ? req.base : '';
    if ((now ?? '') !== expected)
      return {
        pushed: false,
        moved: now,
        reason:
          req.delivery === 'push'
            ? `${req.ref} moved since the change was made (it is at ${now?.slice(0, 12) ?? 'nothing'}, the change is on ${req.base.slice(0, 12)}); a new change on its head is needed`
            : `branch ${req.ref} already exists at ${now?.slice(0, 12)}; nothing was pushed`,
      };
    // A scratch repository borrowing the mirror's objects (alternates): the bundle's commits on top.
    const scratch = join(tmp, 'push.git');
    await runGit(['init', '--quiet', '--bare', scratch], { cwd: tmp });
    await writeFile(join(scratch, 'objects', 'info', 'alternates'), `${join(mirror, 'objects')}\n`);
    await unbundleCandidate(scratch, bundle, req.commit);
    try {
      await runGit(
        [
          'push',
          '--quiet',
          '--porcelain',
          `--force-with-lease=refs/heads/${req.ref}:${expected}`,
          repo.url,
          `${req.commit}:refs/heads/${req.ref}`,
        ],
        { cwd: scratch },
      );
    } catch (e) {
      if (!(e instanceof GitError)) throw e;
      // Lost the race to someone else's push between our look and our write: the lease held.
      const after = await remoteRef(repo, req.ref, tmp);
      if (after === req.commit) return { pushed: true, already: true };
      return { pushed: false, moved: after, reason: `the remote refused the push: ${e.message}` };
    }
    return { pushed: true };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
