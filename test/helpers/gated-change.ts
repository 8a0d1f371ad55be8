import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proposeGitChange } from '../../src/approvals/propose-git-change.ts';
import type { Config, RepoConfig } from '../../src/config/config.ts';
import { commitCandidate } from '../../src/gate/commit-candidate.ts';
import { runCi } from '../../src/gate/run-ci.ts';
import { bundleCandidate } from '../../src/git/bundle.ts';
import { cloneAt, refreshMirror } from '../../src/git/workspace.ts';
import type { Db } from '../../src/store/db.ts';
import { claimRun } from '../../src/store/run-queue.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { bareRepo } from './git-repo.ts';
import { testConfig } from './proposal-fixture.ts';

const CI = 'grep -q "^replicas: [0-9]" deploy/values.yaml && echo "ci: green"';

/**
 * A change task whose agent edited values.yaml in its clone of a real bare repository, through the
 * real gate: committed, CI run, ready to propose (`propose()` without the bundle, `proposeWithBundle()`
 * as the coding worker does).
 */
export async function gatedChange(
  db: Db,
  repoOverrides: Partial<RepoConfig> = {},
  edit = 'replicas: 3\n',
  approvers = ['U0A'],
) {
  const r = bareRepo({ 'deploy/values.yaml': 'replicas: 2\n', 'README.md': 'demo\n' }, { ci: CI, ...repoOverrides });
  const config: Config = {
    ...testConfig(approvers),
    dataDir: mkdtempSync(join(tmpdir(), 'claw-data-')),
    repos: { demo: r.config },
  };
  const { task } = await createTask(db, {
    kind: 'change',
    source: 'cli',
    requester: 'U0ONCALL',
    question: 'scale cart to 3',
  });
  const run = (await claimRun(db, 'test', 60))!;
  const mirror = await refreshMirror(r.config, config.dataDir);
  const ws = await cloneAt(r.config, mirror, join(r.root, 'attempt'));
  writeFileSync(join(ws.dir, 'deploy/values.yaml'), edit);
  const candidate = (await commitCandidate(ws, r.config, { message: 'Scale cart to 3', requester: task.requester }))!;
  const ci = await runCi(r.config, candidate, ws.dir, join(r.root, 'ci'));
  const input = { task, runId: run.id, repo: r.config, candidate, ci, summary: 'Scale cart to 3 replicas' };
  const bundle = () => bundleCandidate(ws.dir, candidate.base, candidate.commit);
  return {
    r,
    config,
    task,
    run,
    candidate,
    ci,
    ws,
    input,
    bundle,
    propose: () => proposeGitChange({ db, config }, { ...input, bundle: Buffer.from([]) }),
    proposeWithBundle: async () => proposeGitChange({ db, config }, { ...input, bundle: await bundle() }),
  };
}
