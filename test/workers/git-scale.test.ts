import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { useArgoWorld, webDeployment } from '../helpers/argo-app.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

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
  const w = useArgoWorld({
    'deploy/deployment.yaml': webDeployment('nginx:1.25', 2),
    'deploy/service.yaml': SERVICE,
    'ci.sh': 'grep -q "replicas:" deploy/deployment.yaml\n',
  });

  it('puts the replica count the commit replaced back, and resolves once Argo CD syncs it', async () => {
    const { repo, sandbox, t, config, app, advance } = w;
    for (let i = 0; i < 100 && app()?.status?.health?.status !== 'Healthy'; i++)
      await new Promise((r) => setTimeout(r, 100));
    repo.push('deploy/deployment.yaml', webDeployment('nginx:1.25', 0), 'web: scale to zero for the migration');
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
