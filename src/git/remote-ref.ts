import type { RepoConfig } from '../config/config.ts';
import { runGit } from './run-git.ts';

/** Where a branch stands on the remote now: its commit, or undefined when it does not exist. Reads only. */
export async function remoteRef(repo: RepoConfig, branch: string, cwd: string): Promise<string | undefined> {
  const out = await runGit(['ls-remote', '--heads', repo.url, `refs/heads/${branch}`], { cwd });
  return out.split('\t')[0]?.trim() || undefined;
}
