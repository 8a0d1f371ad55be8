import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The kubectl the tests use: .ci/bin (installed by .ci/run) or PATH; undefined when absent. */
export const KUBECTL = [join(import.meta.dirname, '..', '.ci', 'bin', 'kubectl'), 'kubectl'].find((k) => {
  try {
    execFileSync(k, ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** The helm 3 the tests use: .ci/bin or PATH; undefined when absent. */
export const HELM = [join(import.meta.dirname, '..', '.ci', 'bin', 'helm'), 'helm'].find((h) => {
  try {
    execFileSync(h, ['version', '--short'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

export async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}
