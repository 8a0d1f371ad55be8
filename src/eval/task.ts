import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ScenarioError } from '../domain/errors.ts';

/**
 * task.yaml in the shape public Kubernetes-agent benchmarks use (docs/eval.md): a prompt (inline or
 * from a file), shell scripts that set the cluster up, verify the fix and clean up, or `expect`
 * strings for answer-only tasks. Keys ClusterClaw does not use (difficulty, isolation, …) are kept
 * and ignored, so suites run unmodified.
 */
const TaskFile = z
  .object({
    script: z
      .array(
        z.union([z.object({ prompt: z.string() }).passthrough(), z.object({ promptFile: z.string() }).passthrough()]),
      )
      .min(1, 'needs at least one {prompt} or {promptFile}'),
    setup: z.string().optional(),
    verifier: z.string().optional(),
    cleanup: z.string().optional(),
    expect: z.array(z.object({ contains: z.string() }).passthrough()).optional(),
    disabled: z.boolean().default(false),
    difficulty: z.string().optional(),
  })
  .passthrough();

export interface Task {
  name: string;
  folder: string;
  prompt: string;
  /** Absolute paths of the scripts that exist (defaults: setup.sh, verify.sh, cleanup.sh). */
  setup?: string;
  verify?: string;
  cleanup?: string;
  expect: string[];
  disabled: boolean;
  difficulty?: string;
}

/** Every task folder under `dir` (those with a task.yaml), sorted by name. */
export async function loadTasks(dir: string): Promise<Task[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (e) {
    throw new ScenarioError(`cannot read task folder ${dir}: ${(e as Error).message}`);
  }
  const out: Task[] = [];
  for (const name of entries) {
    const folder = join(dir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    const text = await readFile(join(folder, 'task.yaml'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let raw: unknown;
    try {
      raw = parse(text);
    } catch (e) {
      throw new ScenarioError(`${name}/task.yaml: ${(e as Error).message.split('\n')[0]}`);
    }
    const parsed = TaskFile.safeParse(raw);
    if (!parsed.success)
      throw new ScenarioError(
        `${name}/task.yaml: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    const spec = parsed.data;
    const prompts: string[] = [];
    for (const step of spec.script) {
      if ('prompt' in step) prompts.push(String(step.prompt));
      else {
        const file = String(step.promptFile);
        prompts.push(
          await readFile(join(folder, file), 'utf8').catch(() => {
            throw new ScenarioError(`${name}: promptFile ${file} is missing`);
          }),
        );
      }
    }
    const script = async (given: string | undefined, fallback: string) => {
      const path = join(folder, given ?? fallback);
      const exists = await stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
      if (!exists && given) throw new ScenarioError(`${name}: ${given} is missing`);
      return exists ? path : undefined;
    };
    out.push({
      name,
      folder,
      prompt: prompts.join('\n\n').trim(),
      setup: await script(spec.setup, 'setup.sh'),
      verify: await script(spec.verifier, 'verify.sh'),
      cleanup: await script(spec.cleanup, 'cleanup.sh'),
      expect: (spec.expect ?? []).map((e) => e.contains),
      disabled: spec.disabled,
      difficulty: spec.difficulty,
    });
  }
  return out;
}
