import { spawn } from 'node:child_process';

export interface ScriptResult {
  code: number;
  output: string;
  timedOut: boolean;
}

/**
 * Runs a task's shell script as the suites expect: bash, in the task folder (so `artifacts/` and
 * relative paths resolve), with KUBECONFIG naming the sandbox and kubectl found on PATH. The
 * process group is killed at the timeout.
 */
export function runTaskScript(
  path: string,
  opts: { cwd: string; kubeconfig: string; timeoutMs: number; env?: Record<string, string> },
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    // env(1) adds the script's variables to the environment ClusterClaw inherited.
    const vars = Object.entries({ ...opts.env, KUBECONFIG: opts.kubeconfig }).map(([k, v]) => `${k}=${v}`);
    const child = spawn('env', [...vars, 'bash', path], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const take = (b: Buffer) => {
      if (output.length < 64_000) output += b.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), output, timedOut });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, output: e.message, timedOut: false });
    });
  });
}
