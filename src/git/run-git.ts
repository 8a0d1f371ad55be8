import { execFile } from 'node:child_process';
import { childProcessEnv } from '../config/config.ts';

/** A Git command that failed: its first line of stderr, never the remote's URL credentials. */
export class GitError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    const line = stderr.split('\n').find((l) => l.trim()) ?? `exit ${exitCode}`;
    super(`git ${args[0]} failed: ${line.replace(/(\/\/)[^/@\s]*@/g, '$1').trim()}`);
    this.args = args;
    this.exitCode = exitCode;
  }
}

export interface GitOptions {
  cwd: string;
  /** Extra environment (author identity…); Git never prompts, and system config is not read. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Bytes written to Git's stdin. */
  input?: string;
}

/**
 * Runs the real `git` and returns its stdout. Never interactive (no terminal or askpass prompt);
 * the system-wide config is ignored so a machine's hooks or helpers do not change what the gate
 * sees; hooks are off, and so is anything a clone's own `.git/config` could make git run
 * (fsmonitor, a pager, an editor): an agent cannot get a command run by the gate's git.
 */
export function runGit(args: readonly string[], opts: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [
        '-c',
        'core.hooksPath=/dev/null',
        '-c',
        'core.fsmonitor=false',
        '-c',
        'core.pager=cat',
        '-c',
        'core.editor=true',
        '-c',
        'advice.detachedHead=false',
        ...args,
      ],
      {
        cwd: opts.cwd,
        env: {
          ...childProcessEnv(),
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '',
          SSH_ASKPASS: '',
          GIT_CONFIG_NOSYSTEM: '1',
          LC_ALL: 'C',
          ...opts.env,
        },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) reject(new GitError(args, typeof err.code === 'number' ? err.code : null, stderr || err.message));
        else resolve(stdout);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
