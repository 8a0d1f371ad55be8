import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lastWholeLines, redactText } from '../cluster/redact.ts';
import { childProcessEnv, type RepoConfig } from '../config/config.ts';
import { runGit } from '../git/run-git.ts';
import type { Candidate } from './commit-candidate.ts';

/** What CI said about a commit. */
export interface CiResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The end of its output (where failures are), redacted, at most `LOG_TAIL_CHARS`. */
  log: string;
  command: string;
}

export const LOG_TAIL_CHARS = 8000;

/** The environment CI gets: nothing of ClusterClaw's (no kubeconfig, database, Slack, Git or model credentials). */
function ciEnv(home: string): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'TZ'];
  const env: NodeJS.ProcessEnv = { HOME: home, CI: 'true', CLUSTERCLAW_CI: 'true' };
  const parent = childProcessEnv();
  for (const k of keep) if (parent[k]) env[k] = parent[k];
  return env;
}

/**
 * Runs the repository's CI command on a clean checkout of the candidate commit, made from the
 * agent's clone into `workDir` (removed afterwards). CI runs as the base defines it: CI definitions
 * the candidate changed are put back as they are at the base, so an agent cannot weaken the gate it
 * must pass. The whole process group is killed at the timeout.
 */
export async function runCi(
  repo: RepoConfig,
  candidate: Candidate,
  source: string,
  workDir: string,
  opts: { signal?: AbortSignal } = {},
): Promise<CiResult> {
  const checkout = join(workDir, 'checkout');
  const home = join(workDir, 'home');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  try {
    await runGit(['clone', '--quiet', '--no-hardlinks', '--no-checkout', `file://${source}`, checkout], {
      cwd: workDir,
    });
    await runGit(['checkout', '--quiet', '--detach', candidate.commit], { cwd: checkout });
    for (const path of candidate.ciTouched) {
      const atBase = await runGit(['cat-file', '-t', `${candidate.base}:${path}`], { cwd: checkout }).then(
        () => true,
        () => false,
      );
      if (atBase) await runGit(['checkout', '--quiet', candidate.base, '--', path], { cwd: checkout });
      else await rm(join(checkout, path), { force: true });
    }
    return await runCommand(repo, checkout, home, opts.signal);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function runCommand(repo: RepoConfig, cwd: string, home: string, signal?: AbortSignal): Promise<CiResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', repo.ci], {
      cwd,
      env: ciEnv(home),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Only the tail is kept: a chatty build's megabytes of output do not sit in memory.
    let out = '';
    const take = (b: Buffer) => {
      out += b.toString('utf8');
      // Cut at a line boundary: a line cut in half could keep a secret's value without its key.
      if (out.length > LOG_TAIL_CHARS * 4) out = out.slice(out.indexOf('\n', out.length - LOG_TAIL_CHARS * 2) + 1);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, repo.ciTimeoutSeconds * 1000);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      const tail = lastWholeLines(redactText(out), LOG_TAIL_CHARS);
      resolve({
        ok: code === 0 && !timedOut,
        exitCode: code,
        timedOut,
        durationMs: Date.now() - started,
        log: timedOut ? `${tail}\n[CI timed out after ${repo.ciTimeoutSeconds} s and was stopped]` : tail,
        command: repo.ci,
      });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        exitCode: null,
        timedOut: false,
        durationMs: Date.now() - started,
        log: e.message,
        command: repo.ci,
      });
    });
  });
}
