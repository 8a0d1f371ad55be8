import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { triage } from '../../src/analyzers/triage.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { encodeRelease, type HelmRelease } from '../../src/lib/helm-release.ts';
import { readSnapshot } from '../../src/tools/read/snapshot-reader.ts';
import { bareRepo } from '../helpers/git-repo.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: '${image}'}]}
`;

/** A release revision Secret, encoded exactly as helm stores it. */
function releaseSecret(
  version: number,
  status: string,
  description: string,
  config: Record<string, unknown>,
  image: string,
) {
  const release: HelmRelease = {
    name: 'billing',
    namespace: 'shop',
    version,
    info: {
      status,
      description,
      first_deployed: '2026-12-01T10:00:00Z',
      last_deployed: `2026-12-0${version}T10:00:00Z`,
    },
    chart: { metadata: { name: 'billing', version: '2.0.0', appVersion: '2.0' }, values: {} },
    config,
    manifest: `---\n# Source: billing/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\nspec:\n  template:\n    spec:\n      containers:\n        - name: billing\n          image: ${image}\n`,
    hooks: [],
  };
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.billing.v${version}`,
      namespace: 'shop',
      labels: { name: 'billing', owner: 'helm', status, version: String(version) },
    },
    data: { release: encodeRelease(release) },
  });
}

describe.skipIf(!KUBECTL)('investigations see GitOps and Helm as an expert would', () => {
  const repo = bareRepo({ 'deploy/deployment.yaml': deployment('nginx:1.25') });
  const s = kubectlSandbox({
    prefix: 'claw-gitops-analyze-',
    stateYaml: [
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd, flux]',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: argocd}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: '${repo.config.url}', path: deploy, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
  syncPolicy: {automated: {prune: true, selfHeal: true}}`,
      releaseSecret(
        1,
        'deployed',
        'Install complete',
        { image: { tag: '2.0' }, db: { password: 's3cret-Passw0rd' } },
        'billing:2.0',
      ),
      releaseSecret(
        2,
        'failed',
        'Upgrade "billing" failed: context deadline exceeded',
        { image: { tag: '2.1-typo' }, db: { password: 'n3w-Passw0rd!' } },
        'billing:2.1-typo',
      ),
    ].join('\n---\n'),
    options: { gitopsTools: { helm: HELM } },
  });
  const problems = async () => triage(await readSnapshot(new KubeReader(kubeConfigOf(s.sandbox)), 'shop'));

  it('a healthy synced Application is no problem', async () => {
    await s.until(['get', 'app', 'web', '-n', 'argocd'], /Synced\s+Healthy/, 2);
    const found = await problems();
    expect(found.filter((p) => p.category.startsWith('gitops'))).toEqual([]);
  });

  it('a bad commit: the workload problem names the Application, its source and revision; the Application is Degraded', async () => {
    const good = repo.head();
    repo.push('deploy/deployment.yaml', deployment('nginx:1.99'), 'web: nginx 1.99');
    await s.k('annotate', 'app', 'web', '-n', 'argocd', 'argocd.argoproj.io/refresh=normal');
    await s.until(['get', 'app', 'web', '-n', 'argocd'], /Synced\s+Degraded/, 60);
    const found = await problems();
    const pull = found.find((p) => p.category === 'image_pull');
    expect(pull?.owner).toEqual({
      kind: 'Application',
      name: 'web',
      namespace: 'argocd',
      source: { url: repo.config.url, path: 'deploy', targetRevision: 'main', revision: repo.head() },
    });
    const degraded = found.find((p) => p.category === 'gitops_degraded');
    expect(degraded?.object).toEqual({ kind: 'Application', namespace: 'argocd', name: 'web' });
    expect(degraded?.summary).toBe(
      `Argo CD Application web is Degraded at revision ${repo.head().slice(0, 7)}: Deployment shop/web is Degraded (Deployment "web" exceeded its progress deadline)`,
    );
    expect(degraded?.evidence).toContain(
      `Before it: revision ${good.slice(0, 7)} at ${degraded?.evidence.find((e) => e.startsWith('Before it'))?.split(' at ')[1]}`,
    );
    expect(degraded?.facts).toMatchObject({
      revision: repo.head(),
      previousRevision: good,
      automated: true,
      selfHeal: true,
    });
    // The root cause ranks above the GitOps symptom.
    expect(found.indexOf(pull!)).toBeLessThan(found.indexOf(degraded!));
  });

  it('a failed Helm upgrade: revisions, what changed in values (credentials redacted) and the manifest, and what is still deployed', async () => {
    const failed = (await problems()).find((p) => p.category === 'helm_release_failed');
    expect(failed?.summary).toBe(
      'Helm release billing revision 2 (billing-2.0.0) failed: Upgrade "billing" failed: context deadline exceeded; revision 1 (billing-2.0.0) is still deployed',
    );
    expect(failed?.evidence).toEqual(
      expect.arrayContaining([
        'Values changed: db.password: [redacted] → [redacted]',
        'Values changed: image.tag: 2.0 → 2.1-typo',
        'Manifest changed: Deployment/billing: image billing:2.0 → billing:2.1-typo',
      ]),
    );
    expect(JSON.stringify(failed)).not.toMatch(/Passw0rd/);
    expect(failed?.facts).toMatchObject({ release: 'billing', revision: 2, status: 'failed', deployedRevision: 1 });
  });
});

describe.skipIf(!KUBECTL || !HELM)('investigations read Flux: failed health checks and failed Helm upgrades', () => {
  const repo = bareRepo({
    'apps/deployment.yaml': deployment('nginx:1.99'),
    'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.3.0\n',
    'charts/api/templates/deployment.yaml': deployment('nginx:{{ .Values.tag }}').replace(
      'name: web, labels',
      'name: api, labels',
    ),
  });
  const s = kubectlSandbox({
    prefix: 'claw-flux-analyze-',
    stateYaml: [
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [flux]',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: shop, namespace: flux-system}
spec: {interval: 5m, url: '${repo.config.url}', ref: {branch: main}}`,
      `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: shop, namespace: flux-system}
spec: {interval: 10m, path: ./apps, prune: true, wait: true, timeout: 1m, targetNamespace: shop, sourceRef: {kind: GitRepository, name: shop}}`,
      `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api, namespace: shop}
spec:
  interval: 10m
  timeout: 1m
  chart: {spec: {chart: ./charts/api, sourceRef: {kind: GitRepository, name: shop, namespace: flux-system}}}
  values: {tag: "0.0-missing"}`,
    ].join('\n---\n'),
    options: { gitopsTools: { helm: HELM } },
  });
  const problems = async () => triage(await readSnapshot(new KubeReader(kubeConfigOf(s.sandbox)), 'shop'));

  it('names the Kustomization whose health check failed, with its source, path and revision', async () => {
    await s.until(['get', 'ks', 'shop', '-n', 'flux-system'], /False\s+health check failed/, 20);
    const found = await problems();
    const degraded = found.find((p) => p.category === 'gitops_degraded');
    expect(degraded?.summary).toMatch(
      /^Flux Kustomization shop applied [0-9a-f]{7} but its health checks failed: health check failed after/,
    );
    expect(degraded?.object).toEqual({ kind: 'Kustomization', namespace: 'flux-system', name: 'shop' });
    expect(degraded?.facts).toMatchObject({
      source: { url: repo.config.url, path: 'apps', targetRevision: 'main', revision: repo.head() },
      resources: ['Deployment/shop/web: InProgress'],
    });
    expect(found.find((p) => p.category === 'image_pull' && p.object.name === 'web')?.owner?.kind).toBe(
      'Kustomization',
    );
  });

  it('reports a HelmRelease whose install failed once, not again as a bare Helm release', async () => {
    await s.until(['get', 'hr', 'api', '-n', 'shop'], /False\s+Helm install failed/, 20);
    const failed = (await problems()).filter((p) => p.category === 'helm_release_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.summary).toBe(
      'Flux HelmRelease api: Helm install failed for release shop/api with chart api@0.3.0: context deadline exceeded (stalled: Failed to install after 1 attempt(s))',
    );
    expect(failed[0]?.evidence).toContain('Failures: 1 (install 1, upgrade 0)');
    expect(failed[0]?.facts).toMatchObject({
      release: 'api',
      revision: 1,
      status: 'failed',
      source: { url: repo.config.url, path: 'charts/api', chart: './charts/api' },
    });
  });
});
