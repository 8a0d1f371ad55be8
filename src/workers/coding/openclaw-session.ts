import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEventInput } from '../../domain/run-events.ts';
import { Nudge } from '../worker.ts';
import { watchClone } from './clone-watch.ts';
import type { CodingSession, TurnResult } from './coding-session.ts';

/** `openclaw agent exec --json`'s one envelope on stdout (the fields we read). */
interface Envelope {
  ok?: boolean;
  status?: string;
  final?: string;
  toolSummary?: { calls?: number; tools?: string[]; failures?: number };
  error?: { message?: string; kind?: string };
}

/** Between a polite stop and the next signal: OpenClaw cleans its temporary state on SIGINT. */
const KILL_STEP_MS = 5000;

/**
 * OpenClaw's local mode (`openclaw agent exec`, no Gateway) as a coding session. Each turn is one
 * exec in the clone: it prints nothing until its one JSON envelope at the end, so the session
 * follows it by the files it changes (and the supervisor by its model calls and the wall clock).
 * Exec keeps no session between runs, so every turn after the first carries the brief again with
 * what happened since. While it runs, the clone's `.git` is moved out of its reach (its file tools
 * cannot leave the clone, and its shell is denied): nothing it writes can become git configuration.
 */
export function openclawSession(opts: {
  cwd: string;
  /** Where `.git` waits while OpenClaw runs: outside the clone. */
  gitAside: string;
  /** `openclaw.mjs` of the pinned package (run with our Node), or a configured executable. */
  executable: string;
  /** Arguments before `agent exec`'s: the config file, the model. */
  args: string[];
  env: Record<string, string>;
  emit(e: RunEventInput): void;
  heartbeat(): void;
  signal: AbortSignal;
}): CodingSession {
  let brief: string | undefined;
  const since: string[] = [];
  let live: ChildProcess | undefined;
  opts.emit({
    type: 'step',
    data: {
      message:
        'OpenClaw reports only when its turn ends: ClusterClaw follows it by the files it changes in its clone, its model calls and the wall clock',
    },
  });
  return {
    async turn(message, signal) {
      // The first message is the brief; later ones (CI's verdict, a nudge) go with it, as exec forgets.
      const prompt = brief === undefined ? message : [brief, ...since, message].join('\n\n');
      brief ??= message;
      const result = await run(prompt, signal);
      since.push(
        `Your previous turn in this clone ended: ${result.summary || result.error || result.nudged || 'without a word'}`.slice(
          0,
          2000,
        ),
      );
      return result;
    },
    async close() {
      if (live) await stop(live);
    },
  };

  async function run(prompt: string, signal?: AbortSignal): Promise<TurnResult> {
    const hadScratch = existsSync(join(opts.cwd, '.openclaw'));
    await mkdir(opts.gitAside, { recursive: true });
    await rename(join(opts.cwd, '.git'), join(opts.gitAside, '.git'));
    const watcher = watchClone(opts.cwd, {
      onChange: () => opts.heartbeat(),
      onReport: (paths) =>
        opts.emit({ type: 'step', data: { message: `OpenClaw changed ${paths.join(', ').slice(0, 300)}` } }),
    });
    const child = spawn(process.execPath, [opts.executable, 'agent', 'exec', ...opts.args, '--message-file', '-'], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: a stop reaches every process it started.
      detached: true,
    });
    live = child;
    child.stdin.end(prompt);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 4_000_000) out += d.toString('utf8');
    });
    // Its diagnostics are progress too; only the tail is kept, for an error.
    child.stderr.on('data', (d: Buffer) => {
      opts.heartbeat();
      err = (err + d.toString('utf8')).slice(-4000);
    });
    const turnAbort = signal ? AbortSignal.any([opts.signal, signal]) : opts.signal;
    const onAbort = () => void stop(child);
    turnAbort.addEventListener('abort', onAbort, { once: true });
    const code = await new Promise<number | null>((r) => {
      child.once('close', (c) => r(c));
      child.once('error', (e) => {
        err += `\n${e.message}`;
        r(null);
      });
    });
    turnAbort.removeEventListener('abort', onAbort);
    live = undefined;
    watcher.close();
    await putGitBack(hadScratch);
    if (signal?.aborted && signal.reason instanceof Nudge && !opts.signal.aborted)
      return { ok: false, summary: '', nudged: signal.reason.context };
    if (opts.signal.aborted) return { ok: false, summary: '', error: 'OpenClaw was stopped with its run' };
    return outcome(out, code, err);
  }

  /** `.git` back where it was; whatever OpenClaw put in its place, and its scratch folder, removed. */
  async function putGitBack(hadScratch: boolean): Promise<void> {
    if (existsSync(join(opts.cwd, '.git'))) {
      await rm(join(opts.cwd, '.git'), { recursive: true, force: true });
      opts.emit({ type: 'step', data: { message: 'OpenClaw wrote a .git of its own in the clone: discarded' } });
    }
    if (!hadScratch) await rm(join(opts.cwd, '.openclaw'), { recursive: true, force: true });
    await rename(join(opts.gitAside, '.git'), join(opts.cwd, '.git'));
  }

  function outcome(out: string, code: number | null, err: string): TurnResult {
    let env: Envelope | undefined;
    try {
      env = JSON.parse(out.trim()) as Envelope;
    } catch {
      const why = err.trim().split('\n').slice(-3).join(' ').slice(0, 500);
      return { ok: false, summary: '', error: `OpenClaw exited ${code ?? 'on a signal'} without a result: ${why}` };
    }
    const tools = env.toolSummary;
    if (tools?.calls)
      opts.emit({
        type: 'step',
        data: {
          message: `OpenClaw's turn: ${tools.calls} tool call(s) (${(tools.tools ?? []).join(', ')})${tools.failures ? `, ${tools.failures} refused or failed` : ''}`,
        },
      });
    const final = (env.final ?? '').trim();
    if (env.ok && code === 0) return { ok: true, summary: final };
    const what = env.status === 'timeout' ? 'timed out' : `failed (${env.error?.kind ?? env.status ?? `exit ${code}`})`;
    return { ok: false, summary: final, error: `OpenClaw ${what}: ${(env.error?.message ?? '').slice(0, 500)}` };
  }
}

/** SIGINT to its process group, then SIGTERM, then SIGKILL, a few seconds apart, until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  const gone = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('close', () => r());
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      return;
    }
    const ended = await Promise.race([gone.then(() => true), sleep(KILL_STEP_MS).then(() => false)]);
    if (ended) return;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
