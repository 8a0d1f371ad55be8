import type { KubeObject } from '../../src/lib/kube-object.ts';
import type { Sandbox } from '../../src/sandbox/start-sandbox.ts';

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
