import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.ts';
import { type Sandbox, startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { listProposalsForRun } from '../../../src/store/proposals.ts';
import { driveRun } from '../../../src/supervisor/drive-run.ts';
import { createTask } from '../../../src/tasks/create-task.ts';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { argoWebApp, argoWebState, webDeployment } from '../../helpers/argo-app.ts';
import { bareRepo } from '../../helpers/git-repo.ts';
import { KUBECTL } from '../../helpers/kubectl.ts';
import { kubeConfigOf, testConfig } from '../../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../../helpers/test-db.ts';
import { testSupervisor } from '../../helpers/test-supervisor.ts';

/**
 * A model that reaches for a live fix of an Argo CD-managed Deployment is refused (it would be
 * reverted by the sync), and the run goes to the runbooks, which take the fix to Git: the
 * commit that broke it is put back through the gate, as a git_change waiting for approval.
 */
describe.skipIf(!KUBECTL)(
  'a model’s live fix of a GitOps-managed object is handed to the runbooks, who fix it in Git',
  () => {
    const repo = bareRepo(
      {
        'deploy/deployment.yaml': webDeployment('nginx:1.25'),
        'ci.sh': 'grep -q "image: nginx:" deploy/deployment.yaml\n',
      },
      { manifests: ['deploy/**'], delivery: 'push' },
    );
    let sandbox: Sandbox;
    let t: TestDb;
    let fake: FakeModelServer;
    let config: Config;
    beforeAll(async () => {
      fake = await startFakeModelServer();
      sandbox = await startSandbox({
        tickMs: 50,
        stateYaml: argoWebState(repo.config.url),
      });
      t = await openTestDb('pglite');
      const base = testConfig(['U0APPROVER1']);
      config = {
        ...base,
        dataDir: mkdtempSync(join(tmpdir(), 'claw-handoff-')),
        repos: { gitops: { ...repo.config, name: 'gitops' } },
        models: {
          ...base.models,
          anthropic: { apiKey: 'test-key', baseUrl: fake.url },
          routes: { investigate: ['anthropic:claude-sonnet-4-6', 'runbooks'] },
        },
      };
    });
    afterAll(async () => {
      await sandbox?.stop();
      await t?.close();
      await fake?.close();
    });
    const app = () => argoWebApp(sandbox);

    it('refuses the live set_image, hands over to the runbooks, and the fix is a git_change', async () => {
      for (let i = 0; i < 100 && app()?.status?.health?.status !== 'Healthy'; i++)
        await new Promise((r) => setTimeout(r, 100));
      repo.push('deploy/deployment.yaml', webDeployment('nginx:1.99'), 'web: move to nginx 1.99');
      sandbox.state.clockOffsetMs += 200_000;
      for (let i = 0; i < 200 && app().status?.health?.status !== 'Degraded'; i++) {
        sandbox.state.clockOffsetMs += 20_000;
        await new Promise((r) => setTimeout(r, 100));
      }
      fake.script({
        text: 'nginx:1.99 does not exist; setting the image back.',
        toolCalls: [
          { id: 'toolu_1', name: 'set_image', input: { namespace: 'shop', name: 'web', image: 'nginx:1.25' } },
        ],
      });
      const supervisor = testSupervisor({ db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), pollMs: 50 });
      const { run } = await createTask(t.db, {
        kind: 'investigate',
        source: 'cli',
        requester: 'cli:oncall',
        question: 'web is down',
        namespace: 'shop',
      });
      const done = await driveRun(supervisor, t.db, run.id, 60_000);
      await supervisor.stop();
      expect(done).toMatchObject({ status: 'awaiting_approval', worker: 'runbooks' });
      expect(done.history).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            worker: 'anthropic:claude-sonnet-4-6',
            outcome: 'declined',
            reason: expect.stringContaining('is applied by Argo CD Application web from Git'),
          }),
        ]),
      );
      const proposals = await listProposalsForRun(t.db, run.id);
      expect(proposals.map((p) => [p.action, p.status])).toEqual([
        ['set_image', 'refused'],
        ['git_change', 'pending'],
      ]);
      expect(proposals[1]!.diff).toMatch(/-\s+image: nginx:1\.99\n\+\s+image: nginx:1\.25/);
    });
  },
);
