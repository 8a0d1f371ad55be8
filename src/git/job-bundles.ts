import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleCandidate, unbundleCandidate } from './bundle.ts';
import { runGit } from './run-git.ts';
import type { Workspace } from './workspace.ts';

/** The clone's HEAD with its history, as a bundle: what a Job's pod clones from (it reaches no Git host). */
export async function bundleHead(dir: string): Promise<Buffer> {
  const tmp = await mkdtemp(join(tmpdir(), 'claw-bundle-'));
  try {
    const file = join(tmp, 'head.bundle');
    await runGit(['bundle', 'create', '--quiet', file, 'HEAD'], { cwd: dir });
    return await readFile(file);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A clone of a HEAD bundle into `dir`, with no remote: the pod's workspace. */
export async function cloneBundle(bundle: Buffer, dir: string, branch: string): Promise<Workspace> {
  const file = `${dir}.bundle`;
  await writeFile(file, bundle);
  try {
    await runGit(['clone', '--quiet', file, dir], { cwd: dirname(dir) });
    await runGit(['checkout', '--quiet', '-B', branch], { cwd: dir });
    await runGit(['remote', 'remove', 'origin'], { cwd: dir });
  } finally {
    await rm(file, { force: true });
  }
  return { dir, base: (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).trim(), branch };
}

/**
 * Everything the agent changed in the pod's clone, as one commit on its HEAD, bundled (what the
 * replica fetches): undefined when nothing changed. Its message and identity do not matter: the
 * replica takes only the tree and commits it through the gate as usual.
 */
export async function bundleWork(ws: Workspace): Promise<{ commit: string; bundle: Buffer } | undefined> {
  const git = (args: string[]) => runGit(args, { cwd: ws.dir });
  await git(['add', '--all']);
  if (!(await git(['status', '--porcelain'])).trim()) return undefined;
  await runGit(['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--no-verify', '-m', 'agent work'], {
    cwd: ws.dir,
    env: {
      GIT_AUTHOR_NAME: 'agent',
      GIT_AUTHOR_EMAIL: 'agent@clusterclaw.invalid',
      GIT_COMMITTER_NAME: 'agent',
      GIT_COMMITTER_EMAIL: 'agent@clusterclaw.invalid',
    },
  });
  const commit = (await git(['rev-parse', 'HEAD'])).trim();
  return { commit, bundle: await bundleCandidate(ws.dir, ws.base, commit) };
}

/**
 * The tree of a pod's work commit into the replica's clone: its files become the working tree
 * (HEAD stays where it was), so the gate commits, inspects and tests them as any agent's edits.
 */
export async function takeWork(dir: string, bundle: Buffer, commit: string): Promise<void> {
  await unbundleCandidate(dir, bundle, commit);
  await runGit(['read-tree', '--reset', '-u', commit], { cwd: dir });
}

/**
 * What the clone's files differ in from `base` (commits since and uncommitted work), as
 * `M path` lines: a stopped agent's partial work. Stages everything to see it (the clone is done).
 */
export async function changesSince(dir: string, base: string): Promise<string[]> {
  await runGit(['add', '--all'], { cwd: dir });
  const out = await runGit(['diff', '--cached', '--name-status', '--no-renames', base], { cwd: dir });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.replace(/\t/, ' '));
}
