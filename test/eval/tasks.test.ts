import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';
import { KUBECTL } from '../helpers/kubectl.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tasks');

interface TaskJson {
  name: string;
  disabled: boolean;
  setup: string;
  refused: string[];
  proposals: number;
  approved: number;
  executed: number;
  verify: string;
  missing: string[];
  worker: string | null;
}

/**
 * `claw eval` on task folders in the public suites' shape, through the CLI as a user runs it: each
 * task in a fresh sandbox, setup with the real kubectl, ClusterClaw on the prompt with its
 * proposals approved as an approver would, then the verifier decides.
 */
describe.skipIf(!KUBECTL)('claw eval on task folders', () => {
  let dir: string;
  const env = (extra: Record<string, string> = {}) => ({
    CLAW_DATA_DIR: join(dir, 'data'),
    KUBECONFIG: join(dir, 'no-kubeconfig'),
    PATH: KUBECTL!.includes('/') ? `${dirname(KUBECTL!)}:${process.env.PATH}` : process.env.PATH,
    ...extra,
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-tasks-'));
    await cp(join(FIXTURES, 'fix-bad-rollout'), join(dir, 'suite', 'fix-bad-rollout'), { recursive: true });
    // A prompt read from a file, and a task switched off.
    await mkdir(join(dir, 'suite', 'from-file'), { recursive: true });
    await writeFile(
      join(dir, 'suite', 'from-file', 'task.yaml'),
      'script:\n  - promptFile: prompt.md\nexpect:\n  - contains: namespace-that-does-not-exist\n',
    );
    await writeFile(join(dir, 'suite', 'from-file', 'prompt.md'), 'Is anything wrong in namespace default?\n');
    await mkdir(join(dir, 'suite', 'off'), { recursive: true });
    await writeFile(join(dir, 'suite', 'off', 'task.yaml'), 'script:\n  - prompt: never run\ndisabled: true\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs setup, ClusterClaw with approvals, and the verifier; scores each task', async () => {
    const r = await run(['eval', join(dir, 'suite'), '--json'], env(), process.execPath, 300_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tasks: TaskJson[]; total: { tasksPassed: number; tasks: number } };
    const fixed = out.tasks.find((t) => t.name === 'fix-bad-rollout')!;
    expect(fixed).toMatchObject({ setup: 'ok', refused: [], proposals: 1, approved: 1, executed: 1, verify: 'pass' });
    expect(out.tasks.find((t) => t.name === 'off')).toMatchObject({ disabled: true, setup: 'none', verify: 'none' });
    const answer = out.tasks.find((t) => t.name === 'from-file')!;
    expect(answer).toMatchObject({ setup: 'none', verify: 'none', missing: ['namespace-that-does-not-exist'] });
    expect(out.total).toMatchObject({ tasksPassed: 1, tasks: 2 });
  }, 320_000);

  it('keeps the gate: a change in a namespace policy protects is not executed, and verify fails', async () => {
    await writeFile(join(dir, 'claw.yaml'), 'policy:\n  protectedNamespaces: [fix-bad-rollout]\n');
    const only = join(dir, 'protected');
    await cp(join(FIXTURES, 'fix-bad-rollout'), join(only, 'fix-bad-rollout'), { recursive: true });
    const r = await run(['eval', only], env({ CLAW_CONFIG: join(dir, 'claw.yaml') }), process.execPath, 300_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^task\s+setup\s+proposals\s+approved\s+executed\s+verify\s+answer\s+worker$/m);
    expect(r.stdout).toMatch(/^fix-bad-rollout\s+ok\s+\d+\s+0\s+0\s+FAIL\s/m);
    expect(r.stdout).toContain('0/1 tasks passed');
  }, 320_000);

  it('a malformed task.yaml is one clear line, not a stack trace', async () => {
    const bad = join(dir, 'bad');
    await mkdir(join(bad, 'broken'), { recursive: true });
    await writeFile(join(bad, 'broken', 'task.yaml'), 'script: []\n');
    const r = await run(['eval', bad], env());
    expect(r.code).toBe(2);
    const [first, ...rest] = r.stderr.trim().split('\n');
    expect(first).toBe('claw eval: broken/task.yaml: script: needs at least one {prompt} or {promptFile}');
    expect(rest).toEqual(['usage: claw eval DIR [--json]']);
  });
});
