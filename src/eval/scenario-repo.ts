import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RepoConfig } from '../config/config.ts';
import { DEFAULT_CI_PATHS } from '../config/repos-config.ts';
import type { Scenario } from './scenario.ts';

/** The name a scenario's repository has in the run's `repos:` (expect.proposal.target names it). */
export const SCENARIO_REPO = 'gitops';

const run = (cwd: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(
      'git',
      [
        '-c',
        'user.name=Scenario',
        '-c',
        'user.email=scenario@clusterclaw.local',
        '-c',
        'core.hooksPath=/dev/null',
        ...args,
      ],
      { cwd },
      (e, _out, err) => (e ? reject(new Error(`git ${args[0]}: ${err || e.message}`)) : resolve()),
    ),
  );

/**
 * Makes the scenario's repository under `root`: a bare remote whose `main` holds `repo/` as its
 * first commit. `pushChanges` pushes each of `commits` after it, as other developers did once the
 * cluster ran the first. Returns it as the configured repository the run may fix (delivery
 * `push`, so the GitOps objects sync the fix).
 */
export async function scenarioRepo(
  s: Scenario,
  root: string,
): Promise<{ config: RepoConfig; pushChanges: () => Promise<void> }> {
  const bare = join(root, 'remote.git');
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  await run(root, ['init', '-q', '--bare', '--initial-branch=main', bare]);
  await run(work, ['init', '-q', '--initial-branch=main']);
  const write = async (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    await run(work, ['add', '--all']);
  };
  await write(s.repoFiles ?? {});
  await run(work, ['commit', '-q', '--allow-empty', '-m', 'initial']);
  await run(work, ['push', '-q', bare, 'main']);
  const pushChanges = async () => {
    for (const c of s.repo?.commits ?? []) {
      await write(c.files);
      await run(work, ['commit', '-q', '--allow-empty', '-m', c.message]);
    }
    await run(work, ['push', '-q', bare, 'main']);
  };
  const config: RepoConfig = {
    name: SCENARIO_REPO,
    url: `file://${bare}`,
    branch: 'main',
    ci: s.repo?.ci ?? 'true',
    ciTimeoutSeconds: 120,
    paths: ['**'],
    ciPaths: DEFAULT_CI_PATHS,
    ciMaxFixAttempts: 0,
    agentCommands: [],
    manifests: s.repo?.manifests ?? ['**'],
    delivery: 'push',
  };
  return { config, pushChanges };
}
