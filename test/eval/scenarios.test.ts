import { readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');
const CATEGORIES = [
  'crash_loop',
  'oom_killed',
  'image_pull',
  'config_missing',
  'unschedulable_resources',
  'unschedulable_placement',
  'pvc_pending',
  'probe_failure',
  'service_no_endpoints',
  'node_not_ready',
  'job_failed',
  'rollout_stuck',
  'volume_filling',
  'cpu_throttling',
  'healthy',
];

interface EvalJson {
  scenarios: {
    name: string;
    worker: string;
    error?: string;
    checks: { name: string; pass: boolean; detail: string }[];
  }[];
  total: { passed: number; checks: number; errors: number };
}

/** The public scenarios, one spec each (each is a folder with scenario.yaml and cluster.yaml). */
const NAMES = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('claw eval over the public scenario folder', () => {
  let dir: string;
  /** One `claw eval --json` over the whole folder, as a user runs it; each scenario's result is its own spec. */
  let out: EvalJson;
  const env = () => ({ CLAW_DATA_DIR: join(dir, 'data'), KUBECONFIG: join(dir, 'no-kubeconfig') });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-eval-'));
    const r = await run(['eval', SCENARIOS, '--json'], env(), process.execPath, 420_000);
    expect(r.code, r.stderr).toBe(0);
    out = JSON.parse(r.stdout) as EvalJson;
  }, 480_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(NAMES)(
    '%s: the runbook worker gets its category, object, mentions, proposal, forbidden actions and health after the fix right',
    (name) => {
      const s = out.scenarios.find((x) => x.name === name);
      expect(s, `${name} was not run`).toBeDefined();
      expect(s!.error).toBeUndefined();
      expect(s!.worker).toBe('runbooks');
      expect(s!.checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    },
  );

  it('covers every category the sandbox can produce, and really verifies the remediations', async () => {
    expect(out.scenarios.map((s) => s.name).sort()).toEqual(NAMES);
    expect(out.total.errors).toBe(0);
    const specs = await Promise.all(NAMES.map((n) => readFile(join(SCENARIOS, n, 'scenario.yaml'), 'utf8')));
    for (const c of CATEGORIES)
      expect(
        specs.some((t) => t.includes(`category: ${c}\n`)),
        c,
      ).toBe(true);
    expect(
      out.scenarios.filter((s) => s.checks.some((c) => c.name === 'healthyAfter' && c.pass)).length,
    ).toBeGreaterThanOrEqual(10);
  });

  it('scores a wrong answer as wrong without failing, and refuses a malformed scenario with a clear message', async () => {
    const folder = join(dir, 'mine');
    await cp(join(SCENARIOS, 'oom-killed'), join(folder, 'oom'), { recursive: true });
    const spec = await readFile(join(folder, 'oom', 'scenario.yaml'), 'utf8');
    await writeFile(
      join(folder, 'oom', 'scenario.yaml'),
      spec.replace('category: oom_killed', 'category: crash_loop').replace('healthyAfter: true', 'healthyAfter: false'),
    );
    const r = await run(['eval', folder], env(), process.execPath, 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/oom\s+WRONG\s+ok/);
    expect(r.stdout).toContain('category: got oom_killed, want crash_loop');
    expect(r.stdout).toMatch(/score \d+\/\d+ checks; 0\/1 scenarios fully right; 0 error\(s\)/);

    await writeFile(
      join(folder, 'oom', 'scenario.yaml'),
      'description: x\nexpect: { category: oom_killed, colour: red }\n',
    );
    const bad = await run(['eval', folder], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('oom/scenario.yaml: expect: Unrecognized key: "colour"');
  }, 180_000);
});
