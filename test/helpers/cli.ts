import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLAW = join(import.meta.dirname, '..', '..', 'src', 'cli', 'claw.ts');

/** Whether script(1) is here to give a command a terminal, as a person running it has. */
export const HAS_SCRIPT = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `claw …` (or any command) as a child process under the same Node as the tests. */
export function run(
  args: string[],
  env: Record<string, string | undefined>,
  cmd = process.execPath,
  timeoutMs = 90_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmd === process.execPath ? [CLAW, ...args] : args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'tester', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `claw sandbox` and resolves once it prints its `ready` line. */
export function startSandboxProcess(
  state: string,
  kubeconfig: string,
): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLAW, 'sandbox', '--state', state, '--port', '0', '--kubeconfig', kubeconfig],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`claw sandbox exited ${code}: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        child.removeAllListeners('exit');
        resolve({
          child,
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
