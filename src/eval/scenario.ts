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
    out.push({ ...parsed.data, name, clusterYaml, alert });
  }
  return out;
}
