import type { RepoConfig } from '../config/config.ts';
import { GitError, runGit } from './run-git.ts';
import { headOf, refreshMirror } from './workspace.ts';

/**
 * Whether a delivered change has reached the tracked branch, however a human merged it: the
 * commit itself is there (a merge or a fast-forward), or every file it changed reads at the
 * tracked head exactly as in the commit (a squash or a rebase). Returns the tracked head that
 * holds it, or undefined while it does not. Reads the repository through ClusterClaw's mirror.
 */
export async function mergedInto(
  repo: RepoConfig,
  dataDir: string,
  change: { base: string; commit: string; tracked: string },
): Promise<string | undefined> {
  const mirror = await refreshMirror(repo, dataDir);
  const head = await headOf(mirror, change.tracked);
  if (head === change.base) return undefined;
  if (await isAncestor(mirror, change.commit, head)) return head;
  try {
    const files = (await runGit(['diff', '--name-only', change.base, change.commit], { cwd: mirror }))
      .split('\n')
      .filter(Boolean);
    if (!files.length) return undefined;
    await runGit(['diff', '--quiet', change.commit, head, '--', ...files], { cwd: mirror });
    return head;
  } catch (e) {
    // exit 1: the files differ; otherwise the commit is gone from the mirror (never fetched).
    if (e instanceof GitError) return undefined;
    throw e;
  }
}

/** Whether `descendant` contains `ancestor` (both read in the refreshed mirror). */
export async function commitContains(
  repo: RepoConfig,
  dataDir: string,
  descendant: string,
  ancestor: string,
): Promise<boolean> {
  if (descendant === ancestor) return true;
  return isAncestor(await refreshMirror(repo, dataDir), ancestor, descendant);
}

async function isAncestor(mirror: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await runGit(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: mirror });
    return true;
  } catch (e) {
    if (e instanceof GitError) return false;
    throw e;
  }
}
