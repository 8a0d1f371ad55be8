import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { recoverExecution } from '../../src/approvals/recover-execution.ts';
import { policySchema } from '../../src/config/policy-config.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { getProposal, recordExecution, transitionProposal } from '../../src/store/proposals.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { HELM, helmAsync, KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';

const CHART = join(import.meta.dirname, '..', 'fixtures', 'charts', 'web');
const APPROVERS = ['U0APPROVER1', 'U0APPROVER2'];

/**
 * `helm_rollback`: proposed with the target revision's objects dry-run against the cluster,
 * approved, then run once by the executor through the real helm and verified. Without helm on
 * PATH (.ci/run installs it) it is skipped outside CI.
 */
describe.skipIf((!HELM || !KUBECTL) && !process.env.CI)('helm_rollback through the real helm', () => {
  const w = useDemoWorld();
  const config = testConfig(APPROVERS);
  let dir: string;
  let env: Record<string, string>;
  const helm = (...args: string[]) => helmAsync([...args, '-n', 'shop'], env);
  const image = () =>
    w.sandbox.state.store.get(T.deployment, 'shop', 'site-web')?.spec?.template?.spec?.containers[0].image;
  const deps = () => ({
    db: w.t.db,
    config,
    kubeConfigFor: () => kubeConfigOf(w.sandbox),
    verifyTimeoutMs: 20_000,
    pollMs: 100,
    helm: HELM,
  });
  const approve = async (id: string, n: number) => {
    for (const actor of APPROVERS.slice(0, n))
      await decide({ db: w.t.db, config }, { proposalId: id, actor, decision: 'approve' });
  };
  /** Revision 1 good, then an upgrade to an image that does not exist, which helm --wait marks failed. */
  const badUpgrade = async () => {
    await helm('uninstall', 'site');
    expect((await helm('install', 'site', CHART, '--wait', '--timeout', '60s')).code).toBe(0);
    const failed = await helm('upgrade', 'site', CHART, '--set', 'image=nginx:1.99', '--wait', '--timeout', '4s');
    expect(failed.code).not.toBe(0);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-helm-rollback-'));
    await writeFile(join(dir, 'kubeconfig'), w.sandbox.kubeconfig);
    env = {
      KUBECONFIG: join(dir, 'kubeconfig'),
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('shows what revision 1 would change, then helm rolls back once, as approved, and it verifies', async () => {
    await badUpgrade();
    expect(image()).toBe('nginx:1.99');
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    });
    expect(proposal).toMatchObject({
      action: 'helm_rollback',
      status: 'pending',
      risk: 'high',
      required_approvals: 2,
      target: { kind: 'HelmRelease', namespace: 'shop', name: 'site' },
      request: { verb: 'helm_rollback', release: 'site', revision: 1, from: 2 },
    });
    expect(proposal.rationale).toContain('from revision 2 (failed, web-0.1.0) to revision 1');
    expect(proposal.request_view).toContain('helm rollback site 1 --namespace shop');
    expect(proposal.diff).toMatch(/-\s+- image: nginx:1\.99\n\+\s+- image: nginx:1\.27/);
    expect(proposal.dry_run).toMatchObject({
      ok: true,
      manifests: expect.stringContaining('Deployment shop/site-web: changes (dry-run ok)'),
    });
    await approve(proposal.id, 2);
    const res = await executeProposal(deps(), proposal.id, 'test');
    expect(res).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    expect(res.executed && res.outcome.message).toMatch(
      /revision 3 \(deployed: Rollback to 1\).*site-web: .*rolled out/,
    );
    expect(image()).toBe('nginx:1.27');
    const history = (await helm('history', 'site')).out;
    expect(history).toMatch(/3\s+.*deployed\s+web-0\.1\.0.*Rollback to 1/);
    expect(history).not.toMatch(/^4\s/m);
    // Exactly once: a second execution finds it executed.
    expect(await executeProposal(deps(), proposal.id, 'test')).toMatchObject({ executed: false });
  });

  it('refuses to run when the release moved on after approval, and helm never runs', async () => {
    await badUpgrade();
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    });
    await approve(proposal.id, 2);
    expect((await helm('upgrade', 'site', CHART, '--set', 'replicas=3')).code).toBe(0);
    const res = await executeProposal(deps(), proposal.id, 'test');
    expect(res).toMatchObject({
      executed: true,
      outcome: { applied: false, stale: true, message: expect.stringContaining('moved on: its newest revision is 3') },
    });
    expect((await helm('history', 'site')).out).not.toContain('Rollback to');
  });

  it('an executor that died after helm ran is verified, not run again; policy can deny helm_rollback', async () => {
    await badUpgrade();
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    });
    await approve(proposal.id, 2);
    await transitionProposal(w.t.db, proposal.id, ['approved'], 'executing', {
      execution: { executor: 'supervisor:dead-replica:1', startedAt: new Date().toISOString() },
    });
    await recordExecution(w.t.db, proposal.id, {
      executor: 'supervisor:dead-replica:1',
      startedAt: new Date().toISOString(),
      before: { release: 'site', namespace: 'shop', revision: 2 },
    });
    expect((await helm('rollback', 'site', '1')).code).toBe(0); // what the dead executor got done
    const res = await recoverExecution(deps(), proposal.id, 'supervisor:heir');
    expect(res).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    expect(res.executed && res.outcome.message).toContain('helm was not run again');
    expect((await helm('history', 'site')).out).not.toMatch(/^4\s/m);
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('executed');

    const denying = {
      ...config,
      policy: policySchema.parse({
        rules: [
          {
            name: 'no-helm-rollbacks',
            match: { actions: ['helm_rollback'], kinds: ['HelmRelease'] },
            deny: 'roll back through the release pipeline',
          },
        ],
      }),
    };
    await badUpgrade();
    const refused = await makeProposal(w.t.db, w.sandbox, denying, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    }).catch((e) => e);
    expect(refused).toBeInstanceOf(ProposalRefused);
    expect((refused as Error).message).toContain('roll back through the release pipeline');
  });

  it('refuses a release Flux manages, and a revision that does not exist, in one clear line', async () => {
    await badUpgrade();
    const missing = await makeProposal(w.t.db, w.sandbox, config, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
      revision: 9,
    }).catch((e: Error) => e.message);
    expect(missing).toBe('Helm release shop/site has no revision 9 to roll back to (revisions: 2 failed, 1 deployed)');
    const d = w.sandbox.state.store.get(T.deployment, 'shop', 'site-web')!;
    d.metadata.labels = {
      ...d.metadata.labels,
      'helm.toolkit.fluxcd.io/name': 'site',
      'helm.toolkit.fluxcd.io/namespace': 'flux-system',
    };
    w.sandbox.state.store.update(T.deployment, d);
    const flux = await makeProposal(w.t.db, w.sandbox, config, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    }).catch((e: Error) => e.message);
    expect(flux).toContain('managed by Flux HelmRelease flux-system/site');
  });
  it('runs helm as the approver when impersonating, so the cluster RBAC judges them', async () => {
    await badUpgrade();
    w.sandbox.state.store.create(T.clusterRole, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'release-admin' },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    });
    w.sandbox.state.store.create(T.clusterRoleBinding, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'release-admin' },
      subjects: [{ kind: 'User', name: 'alice@example.com', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const acting = testConfig(APPROVERS, {
      impersonate: true,
      identities: {
        U0APPROVER1: { user: 'bob@example.com', groups: [] },
        U0APPROVER2: { user: 'alice@example.com', groups: ['sre'] },
      },
    });
    const { proposal } = await makeProposal(w.t.db, w.sandbox, acting, 'helm_rollback', {
      namespace: 'shop',
      release: 'site',
    });
    for (const actor of APPROVERS)
      await decide({ db: w.t.db, config: acting }, { proposalId: proposal.id, actor, decision: 'approve' });
    const mark = w.sandbox.journal.length;
    const res = await executeProposal({ ...deps(), config: acting }, proposal.id, 'test');
    expect(res).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    const helmWrites = w.sandbox.journal
      .slice(mark)
      .filter((r) => r.method !== 'GET' && !r.dryRun && !r.path.includes('review'));
    expect(helmWrites.length).toBeGreaterThan(0);
    expect(new Set(helmWrites.map((r) => r.impersonated?.user))).toEqual(new Set(['alice@example.com']));
  });
});
