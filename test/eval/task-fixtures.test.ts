import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTasks, type Task } from '../../src/eval/task.ts';
import { runTaskScript } from '../../src/eval/task-script.ts';
import { startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL } from '../helpers/kubectl.ts';

const TASKS = join(import.meta.dirname, '..', 'fixtures', 'tasks');
const tasks = await loadTasks(TASKS);
const fixable = tasks.filter((t) => t.verify && existsSync(join(t.folder, 'fix.sh')));

/**
 * Our own task folders, in the shape public Kubernetes-agent suites use, against a fresh sandbox
 * each with the real kubectl: setup succeeds with no request refused, the verifier fails on the
 * broken cluster, and passes once the canonical human fix (`fix.sh`, plain kubectl) is applied.
 */
describe.skipIf(!KUBECTL)('task fixtures: setup, verify fails, the human fix, verify passes', () => {
  it('has a dozen tasks of both kinds (fix and create), each with setup and verify or an expected answer', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(12);
    expect(tasks.filter((t) => t.name.startsWith('fix-')).length).toBeGreaterThanOrEqual(6);
    expect(tasks.filter((t) => !t.name.startsWith('fix-')).length).toBeGreaterThanOrEqual(4);
    for (const t of tasks) expect(t.verify ?? t.expect[0], t.name).toBeTruthy();
  });

  it.concurrent.each(fixable.map((t) => [t.name, t] as const))(
    '%s',
    async (_name, task: Task) => {
      const dir = await mkdtemp(join(tmpdir(), 'claw-fixture-'));
      const kubeconfig = join(dir, 'kubeconfig');
      const sandbox = await startSandbox({ stateYaml: '', kubeconfigPath: kubeconfig, tickMs: 50 });
      const path = KUBECTL!.includes('/') ? `${dirname(KUBECTL!)}:${process.env.PATH}` : process.env.PATH!;
      const script = (file: string) =>
        runTaskScript(file, {
          cwd: task.folder,
          kubeconfig,
          timeoutMs: 90_000,
          env: { PATH: path, KUBECACHEDIR: join(dir, 'cache') },
        });
      try {
        const setup = await script(task.setup!);
        expect(setup.code, `setup:\n${setup.output}`).toBe(0);
        const refused = sandbox.journal.filter((e) => (e.status ?? 0) >= 400 && e.status !== 404 && e.status !== 409);
        expect(refused.map((e) => `${e.method} ${e.path} ${e.contentType} → ${e.status}`)).toEqual([]);
        const before = await script(task.verify!);
        expect(before.code, `verify passed before the fix:\n${before.output}`).not.toBe(0);
        const fix = await script(join(task.folder, 'fix.sh'));
        expect(fix.code, `fix:\n${fix.output}`).toBe(0);
        const after = await script(task.verify!);
        expect(after.code, `verify after the fix:\n${after.output}`).toBe(0);
        if (task.cleanup) expect((await script(task.cleanup)).code).toBe(0);
      } finally {
        await sandbox.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
