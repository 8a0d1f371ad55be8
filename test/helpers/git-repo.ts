import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RepoConfig } from '../../src/config/config.ts';
import { DEFAULT_CI_PATHS } from '../../src/config/repos-config.ts';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();

/**
 * A real bare repository (the "remote", reached over file://) whose `main` holds `files`, and a
 * repos: entry for it. `ci` is the CI command (default: the repository's own `sh ci.sh`).
 */
export function bareRepo(files: Record<string, string>, repo: Partial<RepoConfig> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'claw-git-'));
  const work = join(root, 'seed');
  const bare = join(root, 'remote.git');
  mkdirSync(work);
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(work, 'init', '--quiet', '--initial-branch=main');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'initial');
  git(work, 'push', '--quiet', bare, 'main');
  const config: RepoConfig = {
    name: 'demo',
    url: `file://${bare}`,
    branch: 'main',
    ci: 'sh ci.sh',
    ciTimeoutSeconds: 60,
    paths: ['**'],
    ciPaths: DEFAULT_CI_PATHS,
    ciMaxFixAttempts: 2,
    agentCommands: [],
    manifests: [],
    delivery: 'push-branch',
    ...repo,
  };
  return {
    root,
    bare,
    config,
    /** Another developer commits to the remote's main (the tracked branch moves). */
    push(path: string, text: string, message = `edit ${path}`) {
      git(work, 'pull', '--quiet', bare, 'main');
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
      git(work, 'add', path);
      git(work, 'commit', '--quiet', '-m', message);
      git(work, 'push', '--quiet', bare, 'main');
    },
    /** Another developer deletes a file on the remote's main. */
    remove(path: string, message = `remove ${path}`) {
      git(work, 'pull', '--quiet', bare, 'main');
      git(work, 'rm', '--quiet', path);
      git(work, 'commit', '--quiet', '-m', message);
      git(work, 'push', '--quiet', bare, 'main');
    },
    head: (branch = 'main') => git(bare, 'rev-parse', branch),
  };
}
