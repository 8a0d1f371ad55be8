import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { getRun } from '../../src/store/runs.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { useArgoWorld, webDeployment } from '../helpers/argo-app.ts';
import { git } from '../helpers/git-repo.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

/**
 * A fix delivered as a branch is followed past the human's merge: the run waits for the merge
 * without holding a worker (deferred, looking again later), recognises a squash merge of a branch
 * since deleted, then follows Argo CD's sync of the merged head to "Resolved".
 */
describe.skipIf(!KUBECTL)('a Git fix delivered as a branch is followed through the merge to the sync', () => {
  const w = useArgoWorld(
    {
      'deploy/deployment.yaml': webDeployment('nginx:1.25'),
      'ci.sh': 'grep -q "image: nginx:" deploy/deployment.yaml\n',
    },
    { repo: { delivery: 'push-branch' } },
  );
  const timePasses = (runId: string) =>
    w.t.db.updateTable('runs').set({ not_before: new Date() }).where('id', '=', runId).execute();

  it('waits for the merge without a worker, sees the squash merge, and resolves once Argo CD syncs it', async () => {
    const { repo, sandbox, t, config, app, advance } = w;
    for (let i = 0; i < 100 && app()?.status?.health?.status !== 'Healthy'; i++)
      await new Promise((r) => setTimeout(r, 100));
    repo.push('deploy/deployment.yaml', webDeployment('nginx:1.99'), 'web: move to nginx 1.99');
    sandbox.state.clockOffsetMs += 200_000;
    for (let i = 0; i < 200 && app().status?.health?.status !== 'Degraded'; i++) {
      advance();
      await new Promise((r) => setTimeout(r, 100));
    }
    const supervisor = testSupervisor({ db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), pollMs: 50 });
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'web is down',
      namespace: 'shop',
    });
    expect((await driveRun(supervisor, t.db, run.id, 60_000)).status).toBe('awaiting_approval');
    const [fix] = await listProposalsForRun(t.db, run.id);
    await decide({ db: t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });

    const waiting = await driveRun(supervisor, t.db, run.id, 20_000);
    expect(waiting.status).toBe('queued'); // deferred: no lease, no worker slot
    expect(waiting.lease_owner).toBeNull();
    expect(waiting.summary).toContain(
      'waiting for its merge into main, then for Argo CD Application argocd/web to sync it',
    );
    const branch = git(repo.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/claw');
    expect(branch).toMatch(/^claw\//);

    // A later look, still not merged: it waits again, recording the wait once in its history.
    await timePasses(run.id);
    const again = await driveRun(supervisor, t.db, run.id, 20_000);
    expect(again.status).toBe('queued');
    expect(new Date(again.not_before!).getTime() - Date.now()).toBeGreaterThan(60_000); // it looks less often
    expect((again.history ?? []).filter((h) => h.reason === 'waiting')).toHaveLength(1);

    // A human squash-merges the branch, then deletes it.
    const work = join(repo.root, 'merger');
    git(repo.root, 'clone', '-q', repo.bare, work);
    git(work, 'merge', '--squash', `origin/${branch}`);
    git(work, '-c', 'user.name=Reviewer', '-c', 'user.email=r@example.com', 'commit', '-q', '-m', 'Squashed fix');
    git(work, 'push', '-q', 'origin', 'main');
    git(work, 'push', '-q', 'origin', '--delete', branch);
    const merged = repo.head();

    await timePasses(run.id);
    const clock = setInterval(advance, 100); // Argo CD looks at Git every 3 minutes of simulated time
    const done = await driveRun(supervisor, t.db, run.id, 90_000).finally(() => clearInterval(clock));
    await supervisor.stop();
    expect(done.status, done.summary ?? '').toBe('succeeded');
    expect(done.summary).toContain(
      `Resolved: Argo CD Application argocd/web synced ${merged.slice(0, 7)} and is healthy; Deployment web no longer shows image pull.`,
    );
    expect(app().status.sync.revision).toBe(merged);
    expect((await getRun(t.db, run.id))?.attempt).toBe(waiting.attempt); // waiting is not a failed attempt
  }, 240_000);
});
