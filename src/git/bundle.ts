import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from './run-git.ts';

const CANDIDATE_REF = 'refs/claw/candidate';

/**
 * The commits from `base` to `commit` as a Git bundle (bytes): what a candidate is kept as until
 * it is approved, reachable by whichever process or replica executes it. Needs `base` where it is
 * unbundled (ClusterClaw's mirror has it).
 */
export async function bundleCandidate(dir: string, base: string, commit: string): Promise<Buffer> {
  const tmp = await mkdtemp(join(tmpdir(), 'claw-bundle-'));
  try {
    await runGit(['update-ref', CANDIDATE_REF, commit], { cwd: dir });
    const file = join(tmp, 'candidate.bundle');
    await runGit(['bundle', 'create', '--quiet', file, `^${base}`, CANDIDATE_REF], { cwd: dir });
    return await readFile(file);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Fetches a candidate bundle's commit into the repository at `dir` (whose objects include its base). */
export async function unbundleCandidate(dir: string, bundle: Buffer, commit: string): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'claw-bundle-'));
  try {
    const file = join(tmp, 'candidate.bundle');
    await writeFile(file, bundle);
    await runGit(['bundle', 'verify', '--quiet', file], { cwd: dir });
    await runGit(['fetch', '--quiet', '--no-tags', file, `${CANDIDATE_REF}:${CANDIDATE_REF}`], { cwd: dir });
    const got = (await runGit(['rev-parse', CANDIDATE_REF], { cwd: dir })).trim();
    if (got !== commit) throw new Error(`the stored candidate holds ${got}, not the approved ${commit}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
