import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { policySchema } from '../../src/config/policy-config.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { gitopsStatus } from '../../src/tools/read/gitops-status.ts';
import { bareRepo } from '../helpers/git-repo.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: '${image}'}]}
`;

describe.skipIf(!KUBECTL)(
  'GitOps actions are proposals like any other: policy, dry-run, approval, one executor, verified',
  () => {
    const repo = bareRepo({ 'deploy/deployment.yaml': deployment('nginx:1.25') });
    let sandbox: Sandbox;
    let t: TestDb;
    const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);
    beforeAll(async () => {
      sandbox = await startSandbox({
        tickMs: 50,
        gitopsTools: { helm: HELM },
        stateYaml: [
          'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd, flux]',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: argocd}',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: flux-system}',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: flux-site}',
          `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: '${repo.config.url}', path: deploy, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  syncPolicy: {automated: {selfHeal: true}}`,
          `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: site, namespace: flux-system}
spec: {interval: 5m, url: '${repo.config.url}', ref: {branch: main}}`,
          `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: site, namespace: flux-system}
spec: {interval: 10m, path: ./deploy, prune: true, targetNamespace: flux-site, sourceRef: {kind: GitRepository, name: site}}`,
        ].join('\n---\n'),
      });
      t = await openTestDb('pglite');
    });
    afterAll(async () => {
      await sandbox?.stop();
      await t?.close();
    });
    const run = async (tool: string, input: Record<string, unknown>) => {
      const { proposal } = await makeProposal(t.db, sandbox, config, tool, input);
      // High risk (a rollback) needs two approvers, as policy says.
      for (const actor of ['U0APPROVER1', 'U0APPROVER2'].slice(0, proposal.required_approvals))
        await decide({ db: t.db, config }, { proposalId: proposal.id, actor, decision: 'approve' });
      await executeProposal(
        { db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), verifyTimeoutMs: 20_000, pollMs: 50 },
        proposal.id,
        'test',
      );
      return (await getProposal(t.db, proposal.id))!;
    };
    const app = () =>
      sandbox.state.store.get(sandbox.state.types.findByKind('argoproj.io/v1alpha1', 'Application')!, 'argocd', 'web')!;
    const waitFor = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(ok()).toBe(true);
    };

    it('rolls an Application back to its previous history entry, turning auto-sync off first, and says why', async () => {
      await waitFor(() => app()?.status?.health?.status === 'Healthy');
      const first = repo.head();
      repo.push('deploy/deployment.yaml', deployment('nginx:1.26'), 'nginx 1.26');
      sandbox.state.clockOffsetMs += 200_000;
      await waitFor(() => app().status?.history?.length === 2);
      const p = await run('argocd_rollback', { name: 'web' });
      expect(p.rationale).toContain('auto-sync is turned off first');
      expect(p).toMatchObject({ action: 'argocd_rollback', risk: 'high', status: 'executed' });
      expect(p.outcome).toMatchObject({
        applied: true,
        verified: true,
        message: expect.stringContaining(`synced to ${first.slice(0, 7)}`),
      });
      expect(app().spec.syncPolicy.automated).toBeUndefined();
      expect(app().status.history.at(-1)).toMatchObject({ revision: first, initiatedBy: { username: 'clusterclaw' } });
      expect(app().status.sync.status).toBe('OutOfSync'); // behind its target revision, as Argo CD shows it
    });

    it('syncs an Application on approval and verifies the operation succeeded', async () => {
      const p = await run('argocd_sync', { name: 'web', reason: 'back to main' });
      expect(p).toMatchObject({
        action: 'argocd_sync',
        status: 'executed',
        outcome: expect.objectContaining({ verified: true }),
      });
      await waitFor(() => app().status?.sync?.status === 'Synced');
      expect(app().status.sync.revision).toBe(repo.head());
    });

    it('refreshes an Application (low risk), and refuses a sync while another operation runs', async () => {
      expect(await run('argocd_refresh', { name: 'web', hard: true })).toMatchObject({
        risk: 'low',
        status: 'executed',
      });
      const type = sandbox.state.types.findByKind('argoproj.io/v1alpha1', 'Application')!;
      // An operation still pending (its source does not render, so the controller has not run it).
      const busy = app();
      sandbox.state.store.create(type, {
        ...busy,
        metadata: { name: 'busy', namespace: 'argocd' },
        spec: { ...busy.spec, source: { ...busy.spec.source, path: 'nowhere' } },
        operation: { sync: {} },
        status: {},
      } as never);
      await expect(makeProposal(t.db, sandbox, config, 'argocd_sync', { name: 'busy' })).rejects.toThrow(
        /another operation is already in progress on Application argocd\/busy/,
      );
    });

    it('terminates a stuck sync operation on approval, as argocd app terminate-op does; none running is refused', async () => {
      await expect(makeProposal(t.db, sandbox, config, 'argocd_terminate_op', { name: 'web' })).rejects.toThrow(
        'Unable to terminate operation. No operation is in progress on Application argocd/web',
      );
      const p = await run('argocd_terminate_op', {
        name: 'busy',
        reason: 'the sync waits on a source that does not render',
      });
      expect(p).toMatchObject({ action: 'argocd_terminate_op', risk: 'medium', status: 'executed' });
      expect(p.outcome).toMatchObject({
        verified: true,
        message: 'Application argocd/busy: the operation ended Failed: Operation terminated',
      });
      const busy = sandbox.state.store.get(
        sandbox.state.types.findByKind('argoproj.io/v1alpha1', 'Application')!,
        'argocd',
        'busy',
      )!;
      expect((busy as { operation?: unknown }).operation).toBeUndefined();
    });

    it('refuses a live change to what Argo CD or Flux re-applies from Git, and records why; a restart stands', async () => {
      const refused = await makeProposal(t.db, sandbox, config, 'set_image', {
        namespace: 'shop',
        name: 'web',
        image: 'nginx:1.27',
      }).catch((e: Error) => e);
      expect(refused).toBeInstanceOf(ProposalRefused);
      expect((refused as Error).message).toBe(
        "Deployment shop/web is applied by Argo CD Application web from Git: a live set_image would be reverted at its next sync or leave Git behind; fix it in Git (a change to the owner's repository)",
      );
      expect(await getProposal(t.db, (refused as ProposalRefused).proposalId!)).toMatchObject({
        status: 'refused',
        policy_rule: 'gitops-owned',
      });
      await expect(
        makeProposal(t.db, sandbox, config, 'scale', { namespace: 'flux-site', name: 'web', replicas: 3 }),
      ).rejects.toThrow('is applied by Flux Kustomization flux-system/site from Git');
      const restart = await makeProposal(t.db, sandbox, config, 'rollout_restart', { namespace: 'shop', name: 'web' });
      expect(restart.proposal.status).toBe('pending');
    });

    it('suspends, resumes and reconciles a Flux Kustomization, each verified', async () => {
      const suspend = await run('flux_suspend', { kind: 'Kustomization', name: 'site' });
      expect(suspend).toMatchObject({
        status: 'executed',
        risk: 'medium',
        outcome: expect.objectContaining({ verified: true }),
      });
      expect((suspend.blast_radius as { undo?: unknown }).undo).toEqual({
        tool: 'flux_resume',
        input: { kind: 'Kustomization', namespace: 'flux-system', name: 'site' },
      });
      const resume = await run('flux_resume', { kind: 'Kustomization', name: 'site' });
      expect(resume.outcome).toMatchObject({
        verified: true,
        message: expect.stringContaining('is Ready: Applied revision: main@sha1:'),
      });
      const reconcile = await run('flux_reconcile', { kind: 'Kustomization', name: 'site' });
      expect(reconcile).toMatchObject({
        risk: 'low',
        status: 'executed',
        outcome: expect.objectContaining({ verified: true }),
      });
      await expect(
        makeProposal(t.db, sandbox, config, 'flux_resume', { kind: 'Kustomization', name: 'site' }),
      ).rejects.toThrow(/is not suspended/);
    });

    it('reads an owner from a task scoped to where it deploys, and refuses one scoped elsewhere', async () => {
      const reader = new KubeReader(kubeConfigOf(sandbox));
      const input = { kind: 'Application' as const, namespace: 'argocd', name: 'web' };
      expect(await gitopsStatus.run({ reader, namespace: 'shop', now: () => new Date() }, input)).toMatchObject({
        kind: 'Application',
        sync: expect.any(String),
      });
      await expect(gitopsStatus.run({ reader, namespace: 'payments', now: () => new Date() }, input)).rejects.toThrow(
        "Application argocd/web does not deploy into this task's namespace (payments)",
      );
    });

    it('lets policy name GitOps actions and kinds: a rule refuses Argo CD rollbacks, another needs a lead for Flux suspends', async () => {
      const strict = {
        ...config,
        approvals: { ...config.approvals, approvers: ['U0APPROVER1', 'U0APPROVER2', 'U0LEAD1'] },
        policy: policySchema.parse({
          rules: [
            {
              name: 'rollbacks-in-git',
              match: { actions: ['argocd_rollback'], kinds: ['Application'] },
              deny: 'roll back in Git, not in Argo CD',
            },
            {
              name: 'flux-leads',
              match: { kinds: ['Kustomization'], actions: ['flux_suspend'] },
              approvers: ['U0LEAD1'],
            },
          ],
        }),
      };
      await expect(makeProposal(t.db, sandbox, strict, 'argocd_rollback', { name: 'web' })).rejects.toThrow(
        /roll back in Git, not in Argo CD/,
      );
      const { proposal } = await makeProposal(t.db, sandbox, strict, 'flux_suspend', {
        kind: 'Kustomization',
        name: 'site',
      });
      expect(proposal).toMatchObject({ policy_rule: 'rule:flux-leads', approvers: ['U0LEAD1'] });
    });
  },
);
