import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import type { Config } from '../../src/config/config.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { argoWebApp, argoWebState } from '../helpers/argo-app.ts';
import { bareRepo } from '../helpers/git-repo.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;

/**
 * A commit scales an Argo CD-managed Deployment to zero, so its Service has no endpoints: with no
 * model, the runbooks name the workload, put the replica count back in Git through the gate, and
 * follow the sync until the Service has endpoints again.
 */
describe.skipIf(!KUBECTL)('a workload a commit scaled to zero gets its replicas back in Git', () => {
  const repo = bareRepo(
    {
      'deploy/deployment.yaml': deployment(2),
      'deploy/service.yaml': SERVICE,
      'ci.sh': 'grep -q "replicas:" deploy/deployment.yaml\n',
    },
    { manifests: ['deploy/**'], delivery: 'push' },
  );
  let sandbox: Sandbox;
  let t: TestDb;
  let config: Config;
  beforeAll(async () => {
    sandbox = await startSandbox({
      tickMs: 50,
      stateYaml: argoWebState(repo.config.url),
    });
    t = await openTestDb('pglite');
    config = {
      ...testConfig(['U0APPROVER1']),
      dataDir: mkdtempSync(join(tmpdir(), 'claw-git-scale-')),
      repos: { gitops: { ...repo.config, name: 'gitops' } },
    };
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
  });
  const app = () => argoWebApp(sandbox);
  const advance = () => {
    sandbox.state.clockOffsetMs += 20_000;
  };

  it('puts the replica count the commit replaced back, and resolves once Argo CD syncs it', async () => {
    for (let i = 0; i < 100 && app()?.status?.health?.status !== 'Healthy'; i++)
      await new Promise((r) => setTimeout(r, 100));
    repo.push('deploy/deployment.yaml', deployment(0), 'web: scale to zero for the migration');
    const scaled = repo.head();
    sandbox.state.clockOffsetMs += 200_000;
    for (let i = 0; i < 200 && app().status?.sync?.revision !== scaled; i++) {
      advance();
      await new Promise((r) => setTimeout(r, 100));
    }
    const supervisor = testSupervisor({
      db: t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(sandbox),
      pollMs: 50,
      verifyTimeoutMs: 10_000,
    });
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'the web service answers nothing',
      namespace: 'shop',
    });
    const waiting = await driveRun(supervisor, t.db, run.id, 60_000);
    expect(waiting.status, waiting.summary ?? '').toBe('awaiting_approval');
    expect(waiting.summary).toContain('Deployment web, whose pods it selects, is scaled to 0 replicas');
    const [fix] = await listProposalsForRun(t.db, run.id);
    expect(fix).toMatchObject({ action: 'git_change', status: 'pending' });
    expect(fix!.rationale).toContain(
      `Put back the replica count ${scaled.slice(0, 7)} ("web: scale to zero for the migration") set to 0`,
    );
    expect(fix!.diff).toMatch(/-\s+replicas: 0\n\+\s+replicas: 2/);

    await decide({ db: t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });
    const clock = setInterval(advance, 100);
    const done = await driveRun(supervisor, t.db, run.id, 90_000).finally(() => clearInterval(clock));
    await supervisor.stop();
    expect(done.status, done.summary ?? '').toBe('succeeded');
    expect(done.summary).toContain(
      `Resolved: Argo CD Application argocd/web synced ${repo.head().slice(0, 7)} and is healthy; Service web no longer shows service no endpoints.`,
    );
  }, 240_000);
});
