import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The real kubectl: on PATH on these machines; .ci/run installs it from the npm registry otherwise.
export const KUBECTL = [join(import.meta.dirname, '..', '..', '.ci', 'bin', 'kubectl'), 'kubectl'].find((k) => {
  try {
    execFileSync(k, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

export function kubectl(args: string[], env: Record<string, string>, input?: string): { code: number; out: string } {
  if (!KUBECTL) throw new Error('kubectl is not installed');
  try {
    return {
      code: 0,
      out: execFileSync(KUBECTL, args, {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        input,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      }),
    };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

/** kubectl without blocking the event loop: required when the sandbox serves from this same process. */
export function kubectlAsync(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL!, args, { env: { ...process.env, ...env }, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** Runs kubectl for at most `ms` (for `-w` and `-f`), resolving with what it printed. */
export function kubectlFor(args: string[], env: Record<string, string>, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL!,
      args,
      { env: { ...process.env, ...env }, encoding: 'utf8' },
      (_e, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
    setTimeout(() => child.kill('SIGTERM'), ms);
  });
}

// The real helm 3: on PATH, or where .ci/run puts it (from the same npm package as kubectl).
export const HELM = [join(import.meta.dirname, '..', '..', '.ci', 'bin', 'helm'), 'helm'].find((h) => {
  try {
    execFileSync(h, ['version', '--short'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** helm without blocking the event loop (the sandbox serves from this process). */
export function helmAsync(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(HELM!, args, { env: { ...process.env, ...env }, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}
