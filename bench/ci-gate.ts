// The CI gate's cost: a candidate through the gate (commit, inspection, a clean checkout with the
// base's CI definitions, CI under a timeout, the bundle kept for delivery) against running the
// same CI command directly in a checkout, on a CI of about 10 s, in the same run.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitCandidate } from '../src/gate/commit-candidate.ts';
import { runCi } from '../src/gate/run-ci.ts';
import { bundleCandidate } from '../src/git/bundle.ts';
import { cloneAt, refreshMirror } from '../src/git/workspace.ts';
import { bareRepo } from '../test/helpers/git-repo.ts';

const CI = 'sleep 10 && grep -q "^replicas: [0-9]" deploy/values.yaml';
const ROUNDS = 3;

export async function ciGateSection(): Promise<string> {
  // A repository with some weight: 2,000 files besides the one the agent edits.
  const files: Record<string, string> = { 'deploy/values.yaml': 'replicas: 2\n' };
  for (let i = 0; i < 2000; i++) files[`src/module-${i}.ts`] = `export const value${i} = ${i};\n`.repeat(20);
  const direct: number[] = [];
  const gated: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = bareRepo(files, { ci: CI, ciTimeoutSeconds: 60 });
    const mirror = await refreshMirror(r.config, join(r.root, 'data'));
    const ws = await cloneAt(r.config, mirror, join(r.root, 'attempt'));
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: 3\n');
    // Directly: the CI command in the agent's own checkout, as a developer would run it.
    let t = performance.now();
    const plain = spawnSync('sh', ['-c', CI], { cwd: ws.dir });
    direct.push(performance.now() - t);
    if (plain.status !== 0) throw new Error('CI failed when run directly');
    t = performance.now();
    const c = (await commitCandidate(ws, r.config, { message: 'bench', requester: 'U0BENCH' }))!;
    const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci'));
    await bundleCandidate(ws.dir, c.base, c.commit);
    gated.push(performance.now() - t);
    if (!ci.ok) throw new Error(`CI failed in the gate: ${ci.log}`);
    process.stderr.write(
      `ci gate round ${round + 1}: direct ${(direct.at(-1)! / 1000).toFixed(2)} s, gate ${(gated.at(-1)! / 1000).toFixed(2)} s\n`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const d = median(direct);
  const g = median(gated);
  const overhead = g - d;
  const goal = 1000 + 0.1 * d;
  return `## The CI gate

A candidate through the gate (src/gate): commit as ClusterClaw, inspection of paths, symlinks
and added lines, a clean checkout of the commit with the base's CI definitions, CI under its
timeout with none of our environment, and the bundle kept for delivery. Against the same CI
command run directly in the agent's checkout, in the same run: a repository of 2,000 files,
a CI of \`${CI}\`, ${ROUNDS} rounds, medians (\`npm run bench -- ci-gate\`).

| measure | value |
|---|---|
| CI run directly | ${(d / 1000).toFixed(2)} s |
| the same CI through the gate | ${(g / 1000).toFixed(2)} s |
| the gate's overhead | ${(overhead / 1000).toFixed(2)} s (${((g / d - 1) * 100).toFixed(1)}%) |
| goal: ≤ 1 s + 10% of the CI's time | ≤ ${(goal / 1000).toFixed(2)} s: ${overhead <= goal ? 'met' : 'not met'} |
`;
}
