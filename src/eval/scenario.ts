import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ScenarioError } from '../domain/errors.ts';

const Ref = z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }).strict();

/** scenario.yaml (docs/scenarios.md). */
const ScenarioFile = z
  .object({
    description: z.string(),
    question: z.string().default(''),
    namespace: z.string().optional(),
    /** Simulated seconds the cluster runs before the investigation starts (crash loops need time to show). */
    warmupSeconds: z.number().int().min(0).max(3600).default(60),
    /**
     * A local Git repository the scenario's Argo CD or Flux objects sync from (`${REPO_URL}` in
     * cluster.yaml): `repo/` as its first commit; after the warm-up, `commits` are pushed on top,
     * in order, and the cluster runs `settleSeconds` more. It is the run's configured repository `gitops`.
     */
    repo: z
      .object({
        manifests: z.array(z.string()).default(['**']),
        ci: z.string().default('true'),
        settleSeconds: z.number().int().min(0).max(3600).default(300),
        commits: z
          .array(z.object({ message: z.string().min(1), files: z.record(z.string(), z.string()) }).strict())
          .default([]),
      })
      .strict()
      .optional(),
    /**
     * The real helm run against the sandbox after the warm-up, before the investigation: each step
     * is `helm <step…>` for the release, in the scenario's namespace, with `chart/` as the chart of
     * `install` and `upgrade` (a step that fails, such as an upgrade `--wait` gives up on, is part
     * of the incident).
     */
    helm: z
      .object({
        release: z.string().min(1),
        steps: z.array(z.array(z.string()).min(1)).min(1),
      })
      .strict()
      .optional(),
    expect: z
      .object({
        category: z.string(),
        object: Ref.optional(),
        mentions: z.array(z.string()).default([]),
        proposal: z.union([z.literal('none'), z.object({ action: z.string(), target: Ref }).strict()]).optional(),
        forbid: z.array(z.string()).default([]),
        healthyAfter: z.boolean().default(false),
      })
      .strict(),
  })
  .strict();

export type ScenarioSpec = z.infer<typeof ScenarioFile>;

export interface Scenario extends ScenarioSpec {
  name: string;
  clusterYaml: string;
  alert?: unknown;
  /** The files of `repo/` (path → text), when the scenario has a repository. */
  repoFiles?: Record<string, string>;
  /** The scenario's `chart/` folder, when it has `helm:` steps. */
  chartDir?: string;
}

/** Every scenario folder under `dir` (those with a scenario.yaml), sorted by name. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (e) {
    throw new ScenarioError(`cannot read scenario folder ${dir}: ${(e as Error).message}`);
  }
  const out: Scenario[] = [];
  for (const name of entries) {
    const folder = join(dir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    const specText = await readFile(join(folder, 'scenario.yaml'), 'utf8').catch(() => undefined);
    if (specText === undefined) continue;
    const parsed = ScenarioFile.safeParse(parse(specText));
    if (!parsed.success)
      throw new ScenarioError(
        `${name}/scenario.yaml: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    const clusterYaml = await readFile(join(folder, 'cluster.yaml'), 'utf8').catch(() => {
      throw new ScenarioError(`${name}: cluster.yaml is missing`);
    });
    const alertText = await readFile(join(folder, 'alert.json'), 'utf8').catch(() => undefined);
    let alert: unknown;
    if (alertText !== undefined) {
      try {
        alert = JSON.parse(alertText);
      } catch (e) {
        throw new ScenarioError(`${name}/alert.json: ${(e as Error).message}`);
      }
    }
    const repoFiles = parsed.data.repo ? await readTree(join(folder, 'repo'), name) : undefined;
    const chartDir = parsed.data.helm ? join(folder, 'chart') : undefined;
    if (chartDir && !(await stat(join(chartDir, 'Chart.yaml')).catch(() => undefined)))
      throw new ScenarioError(`${name}: scenario.yaml has helm steps, but ${name}/chart/Chart.yaml is missing`);
    out.push({
      ...parsed.data,
      name,
      clusterYaml,
      alert,
      ...(repoFiles ? { repoFiles } : {}),
      ...(chartDir ? { chartDir } : {}),
    });
  }
  return out;
}

async function readTree(dir: string, scenario: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(join(dir, prefix)).catch(() => {
    throw new ScenarioError(`${scenario}: scenario.yaml has a repo, but ${scenario}/repo/ is missing`);
  });
  for (const e of entries.sort()) {
    const rel = prefix ? `${prefix}/${e}` : e;
    if ((await stat(join(dir, rel))).isDirectory()) Object.assign(out, await readTree(dir, scenario, rel));
    else out[rel] = await readFile(join(dir, rel), 'utf8');
  }
  return out;
}
