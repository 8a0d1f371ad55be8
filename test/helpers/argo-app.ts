import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Config, RepoConfig } from '../../src/config/config.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { bareRepo } from './git-repo.ts';
import { testConfig } from './proposal-fixture.ts';
import { openTestDb, type TestDb } from './test-db.ts';

/**
 * A sandbox state with Argo CD's CRDs and one automated, self-healing Application `argocd/web`
 * that deploys `deploy/` of the repository at `repoUrl` into namespace `shop`.
 */
export function argoWebState(repoUrl: string): string {
  return [
    'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd]',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: argocd}',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: '${repoUrl}', path: deploy, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  syncPolicy: {automated: {prune: true, selfHeal: true}}`,
  ].join('\n---\n');
}

/** The Application `argocd/web` as the sandbox stores it. */
export function argoWebApp(sandbox: Sandbox): KubeObject {
  return sandbox.state.store.get(
    sandbox.state.types.findByKind('argoproj.io/v1alpha1', 'Application')!,
    'argocd',
    'web',
  )!;
}

/** Deployment `web` in namespace-less form, as a GitOps repository holds it (one container, block style). */
export function webDeployment(image: string, replicas = 1): string {
  return `apiVersion: apps/v1
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
          image: ${image}
`;
}

export interface ArgoWorld {
  repo: ReturnType<typeof bareRepo>;
  sandbox: Sandbox;
  t: TestDb;
  config: Config;
  /** The Application `argocd/web`. */
  app(): KubeObject;
  /** 20 s of simulated time: Argo CD's controller looks again. */
  advance(): void;
}

/**
 * For a describe block: a bare repository holding `files` (configured as repository `gitops`),
 * a sandbox whose Argo CD Application `argocd/web` deploys its `deploy/` into `shop`, an embedded
 * store and a config with one approver. `crds` adds CRD sets beside argocd.
 */
export function useArgoWorld(
  files: Record<string, string>,
  opts: { repo?: Partial<RepoConfig>; crds?: string[]; sandbox?: Partial<SandboxOptions> } = {},
): ArgoWorld {
  const w = { repo: bareRepo(files, { manifests: ['deploy/**'], delivery: 'push', ...opts.repo }) } as ArgoWorld;
  beforeAll(async () => {
    const state = argoWebState(w.repo.config.url);
    w.sandbox = await startSandbox({
      tickMs: 50,
      stateYaml: opts.crds ? state.replace('sets: [argocd]', `sets: [argocd, ${opts.crds.join(', ')}]`) : state,
      ...opts.sandbox,
    });
    w.t = await openTestDb('pglite');
    w.config = {
      ...testConfig(['U0APPROVER1']),
      dataDir: mkdtempSync(join(tmpdir(), 'claw-argo-')),
      repos: { gitops: { ...w.repo.config, name: 'gitops' } },
    };
  });
  afterAll(async () => {
    await w.sandbox?.stop();
    await w.t?.close();
  });
  w.app = () => argoWebApp(w.sandbox);
  w.advance = () => {
    w.sandbox.state.clockOffsetMs += 20_000;
  };
  return w;
}
