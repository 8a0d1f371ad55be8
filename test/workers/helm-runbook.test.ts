import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { HELM, helmAsync, KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

const CHART = join(import.meta.dirname, '..', 'fixtures', 'charts', 'web');

/**
 * A Helm-installed Deployment broken by its release's newest upgrade goes back with its release:
 * with no model, the runbooks propose `helm_rollback` (never a rollout undo that Helm's record
 * would contradict), and the executor runs the real helm once approved.
 */
describe.skipIf((!HELM || !KUBECTL) && !process.env.CI)('the runbooks roll back a Helm release that broke', () => {
  let sandbox: Sandbox;
  let t: TestDb;
  let dir: string;
  let env: Record<string, string>;
  const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);
  const helm = (...args: string[]) => helmAsync([...args, '-n', 'store'], env);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-helm-runbook-'));
    sandbox = await startSandbox({
      tickMs: 50,
      stateYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: store}',
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    await writeFile(join(dir, 'kubeconfig'), sandbox.kubeconfig);
    env = {
      KUBECONFIG: join(dir, 'kubeconfig'),
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
    t = await openTestDb('pglite');
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('investigates, proposes helm_rollback to the revision still deployed, and resolves once approved', async () => {
    expect((await helm('install', 'web', CHART, '--wait', '--timeout', '60s')).code).toBe(0);
    expect(
      (await helm('upgrade', 'web', CHART, '--set', 'image=nginx:1.99', '--wait', '--timeout', '4s')).code,
    ).not.toBe(0);
    const writes = () =>
      sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun && !r.path.includes('review')).length;
    const supervisor = testSupervisor({
      db: t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(sandbox),
      pollMs: 50,
      verifyTimeoutMs: 20_000,
      helm: HELM,
    });
    const { run } = await createTask(t.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'web is down since the upgrade',
      namespace: 'store',
    });
    const before = writes();
    const waiting = await driveRun(supervisor, t.db, run.id, 60_000);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', worker: 'runbooks' });
    const [fix] = await listProposalsForRun(t.db, run.id);
    expect(fix).toMatchObject({
      action: 'helm_rollback',
      status: 'pending',
      target: { kind: 'HelmRelease', namespace: 'store', name: 'web' },
      request: { revision: 1, from: 2 },
    });
    expect(fix!.rationale).toContain('from revision 2 (failed, web-0.1.0) to revision 1');
    expect(writes()).toBe(before); // nothing live before approval

    for (const actor of ['U0APPROVER1', 'U0APPROVER2'])
      await decide({ db: t.db, config }, { proposalId: fix!.id, actor, decision: 'approve' });
    const done = await driveRun(supervisor, t.db, run.id, 60_000);
    await supervisor.stop();
    expect(done.status, done.summary ?? '').toBe('succeeded');
    expect((await helm('history', 'web')).out).toMatch(/3\s+.*deployed\s+web-0\.1\.0.*Rollback to 1/);
    expect(sandbox.state.store.get(T.deployment, 'store', 'web-web')?.spec?.template?.spec?.containers[0].image).toBe(
      'nginx:1.27',
    );
  });
});
