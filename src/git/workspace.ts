import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RepoConfig } from '../config/config.ts';
import { runGit } from './run-git.ts';

/** A clone an attempt works in: the tracked branch's head when it was made, and no remote. */
export interface Workspace {
  dir: string;
  /** The commit the clone started from (the tracked branch's head at the time). */
  base: string;
  branch: string;
}

const refreshing = new Map<string, Promise<string>>();

/**
 * ClusterClaw's mirror of a repository (`<dataDir>/repos/<name>.git`), fetched from its remote
 * now. Only ClusterClaw's own Git setup (credential helper, SSH key) ever talks to the remote;
 * agents clone from this mirror, so no URL or credential of the remote reaches them. One fetch at
 * a time per repository in this process (Git locks the mirror).
 */
export function refreshMirror(repo: RepoConfig, dataDir: string): Promise<string> {
  const mirror = join(dataDir, 'repos', `${repo.name}.git`);
  const running = refreshing.get(mirror);
  if (running) return running;
  const done = (async () => {
    if (!existsSync(join(mirror, 'HEAD'))) {
      await mkdir(dirname(mirror), { recursive: true });
      await runGit(['clone', '--mirror', '--quiet', repo.url, mirror], { cwd: dirname(mirror) });
    } else {
      await runGit(['remote', 'set-url', 'origin', repo.url], { cwd: mirror });
      await runGit(['fetch', '--prune', '--quiet', 'origin'], { cwd: mirror });
    }
    return mirror;
  })().finally(() => refreshing.delete(mirror));
  refreshing.set(mirror, done);
  return done;
}

/** The tracked branch's head in the mirror. */
export async function headOf(mirror: string, branch: string): Promise<string> {
  return (await runGit(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`], { cwd: mirror })).trim();
}

/**
 * A fresh clone of `commit` (default: the tracked branch's head) into `dir`: a real clone with its
 * own objects (not a worktree, whose `.git` points back into the mirror), on a local branch named
 * after the tracked one, with no remote configured.
 */
export async function cloneAt(repo: RepoConfig, mirror: string, dir: string, commit?: string): Promise<Workspace> {
  await mkdir(dirname(dir), { recursive: true });
  await runGit(
    ['clone', '--quiet', '--no-hardlinks', '--single-branch', '--branch', repo.branch, `file://${mirror}`, dir],
    { cwd: dirname(dir) },
  );
  if (commit) await runGit(['reset', '--quiet', '--hard', commit], { cwd: dir });
  await runGit(['remote', 'remove', 'origin'], { cwd: dir });
  const base = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).trim();
  return { dir, base, branch: repo.branch };
}
