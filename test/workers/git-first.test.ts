import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import type { Config } from '../../src/config/config.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { argoWebApp, argoWebState, webDeployment } from '../helpers/argo-app.ts';
import { bareRepo } from '../helpers/git-repo.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';

async function until<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, tick: () => void = () => {}) {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    tick();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

describe.skipIf(!KUBECTL)(
  'a GitOps-managed workload is fixed in Git, through the gate, and verified by the sync',
  () => {
    const repo = bareRepo(
      {
        'deploy/deployment.yaml': webDeployment('nginx:1.25', 2),
        'ci.sh': 'grep -q "image: nginx:" deploy/deployment.yaml\n',
      },
      { manifests: ['deploy/**'], delivery: 'push' },
    );
    let sandbox: Sandbox;
    let t: TestDb;
    let config: Config;
    beforeAll(async () => {
      sandbox = await startSandbox({
        tickMs: 50,
        gitopsTools: { helm: HELM },
        stateYaml: argoWebState(repo.config.url),
      });
      t = await openTestDb('pglite');
      config = {
        ...testConfig(['U0APPROVER1']),
        dataDir: mkdtempSync(join(tmpdir(), 'claw-gitfirst-')),
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

    it('proposes putting the last good image back in Git, not a live patch; the push syncs and the Application is Healthy', async () => {
      await until('Healthy', app, (a) => a.status?.health?.status === 'Healthy');
      const good = repo.head();
      repo.push('deploy/deployment.yaml', webDeployment('nginx:1.99', 2), 'web: move to nginx 1.99');
      const bad = repo.head();
      sandbox.state.clockOffsetMs += 200_000; // Argo CD's next look at Git
      await until(
        'Degraded',
        app,
        (a) => a.status?.health?.status === 'Degraded' && a.status.sync.revision === bad,
        advance,
      );
      const writes = () =>
        sandbox.journal.filter((r) => !['GET'].includes(r.method) && !r.dryRun && !r.path.includes('review')).length;
      const before = writes();

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
        question: 'web is down',
        namespace: 'shop',
      });
      const waiting = await driveRun(supervisor, t.db, run.id, 60_000);
      expect(waiting).toMatchObject({ status: 'awaiting_approval', worker: 'runbooks' });
      expect(waiting.summary).toContain('is applied by Argo CD Application argocd/web');
      const [fix] = await listProposalsForRun(t.db, run.id);
      expect(fix).toMatchObject({
        action: 'git_change',
        status: 'pending',
        target: { kind: 'Repository', name: 'gitops' },
      });
      expect(fix!.rationale).toContain(`Put back the image ${bad.slice(0, 7)} ("web: move to nginx 1.99") replaced`);
      expect(fix!.diff).toMatch(/-\s+image: nginx:1\.99\n\+\s+image: nginx:1\.25/);
      expect(writes()).toBe(before); // nothing live: no patch, no rollout undo

      await decide({ db: t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });
      // Simulated time runs on while the run follows the sync: Argo CD looks at Git every 3 minutes.
      const clock = setInterval(advance, 100);
      const done = await driveRun(supervisor, t.db, run.id, 60_000).finally(() => clearInterval(clock));
      await supervisor.stop();
      expect(repo.head()).not.toBe(bad);
      expect(done.status, done.summary ?? '').toBe('succeeded');
      expect(done.summary).toContain(
        `Resolved: Argo CD Application argocd/web synced ${repo.head().slice(0, 7)} and is healthy; Deployment web no longer shows image pull.`,
      );
      expect(writes()).toBe(before);
      expect(app().status.sync).toMatchObject({ status: 'Synced', revision: repo.head() });
      expect(good).not.toBe(repo.head());
    });
  },
);

describe.skipIf(!KUBECTL || !HELM)(
  'Flux-managed workloads are fixed in Git too: a Kustomization, and a HelmRelease whose values break its pods',
  () => {
    const hr = (tag: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api, namespace: shop}
spec:
  interval: 1m
  timeout: 1m
  chart:
    spec:
      chart: ./charts/api
      sourceRef: {kind: GitRepository, name: shop, namespace: flux-system}
  values:
    image:
      tag: "${tag}"
`;
    const repo = bareRepo(
      {
        'apps/deployment.yaml': webDeployment('nginx:1.25', 2),
        'releases/api.yaml': hr('1.25'),
        'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
        'charts/api/values.yaml': 'image: {tag: "1.25"}\n',
        'charts/api/templates/deployment.yaml': webDeployment('nginx:{{ .Values.image.tag }}', 2).replace(
          'name: web, labels',
          'name: api, labels',
        ),
        'ci.sh': 'true\n',
      },
      { manifests: ['apps/**'], delivery: 'push' },
    );
    let sandbox: Sandbox;
    let t: TestDb;
    let config: Config;
    beforeAll(async () => {
      sandbox = await startSandbox({
        tickMs: 50,
        gitopsTools: { helm: HELM },
        stateYaml: [
          'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [flux]',
          'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
          `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: shop, namespace: flux-system}
spec: {interval: 1m, url: '${repo.config.url}', ref: {branch: main}}`,
          `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {interval: 1m, path: ./apps, prune: true, wait: true, timeout: 1m, targetNamespace: shop, sourceRef: {kind: GitRepository, name: shop}}`,
          `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: releases, namespace: flux-system}
spec: {interval: 1m, path: ./releases, prune: true, sourceRef: {kind: GitRepository, name: shop}}`,
        ].join('\n---\n'),
      });
      t = await openTestDb('pglite');
      config = {
        ...testConfig(['U0APPROVER1']),
        dataDir: mkdtempSync(join(tmpdir(), 'claw-gitfirst-flux-')),
        repos: { shop: { ...repo.config, name: 'shop' } },
      };
    });
    afterAll(async () => {
      await sandbox?.stop();
      await t?.close();
    });
    const advance = () => {
      sandbox.state.clockOffsetMs += 20_000;
    };
    const image = (name: string) =>
      sandbox.state.store.get(T.deployment, 'shop', name)?.spec.template.spec.containers[0].image as string | undefined;

    async function fixByRunbooks(question: string) {
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
        question,
        namespace: 'shop',
      });
      const waiting = await driveRun(supervisor, t.db, run.id, 60_000);
      const [fix] = await listProposalsForRun(t.db, run.id);
      expect(fix, waiting.summary ?? '').toMatchObject({ action: 'git_change', status: 'pending' });
      await decide({ db: t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });
      const clock = setInterval(advance, 100);
      const done = await driveRun(supervisor, t.db, run.id, 60_000).finally(() => clearInterval(clock));
      await supervisor.stop();
      return { waiting, fix: fix!, done };
    }

    it('a Kustomization: the bad tag is reverted in Git, Flux applies the push, the run says resolved', async () => {
      await until(
        'applied',
        () => image('web'),
        (i) => i === 'nginx:1.25',
        advance,
      );
      repo.push('apps/deployment.yaml', webDeployment('nginx:1.99', 2), 'web: nginx 1.99');
      await until(
        'failing',
        () => image('web'),
        (i) => i === 'nginx:1.99',
        advance,
      );
      for (let i = 0; i < 40; i++) advance();
      const { waiting, fix, done } = await fixByRunbooks('web is down');
      expect(waiting.summary).toContain('is applied by Flux Kustomization flux-system/apps');
      expect(fix.diff).toMatch(/-\s+image: nginx:1\.99\n\+\s+image: nginx:1\.25/);
      expect(done.status, done.summary ?? '').toBe('succeeded');
      expect(done.summary).toContain('Resolved: Flux Kustomization flux-system/apps synced');
      expect(image('web')).toBe('nginx:1.25');
    });

    it('a HelmRelease: the values tag is reverted in the HelmRelease manifest, helm-controller upgrades, resolved', async () => {
      await until(
        'released',
        () => image('api'),
        (i) => i === 'nginx:1.25',
        advance,
      );
      repo.push('releases/api.yaml', hr('1.99'), 'api: values tag 1.99');
      await until(
        'upgraded to the bad tag',
        () => image('api'),
        (i) => i === 'nginx:1.99',
        advance,
      );
      for (let i = 0; i < 20; i++) advance();
      const { fix, done } = await fixByRunbooks('api is down');
      expect(fix.diff).toMatch(/-\s+tag: "1\.99"\n\+\s+tag: "1\.25"/);
      expect(done.status, done.summary ?? '').toBe('succeeded');
      expect(done.summary).toContain('Resolved: Flux HelmRelease shop/api');
      expect(image('api')).toBe('nginx:1.25');
    });
  },
);
