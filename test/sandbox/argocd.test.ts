import { describe, expect, it } from 'vitest';
import { bareRepo } from '../helpers/git-repo.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const deployment = (image: string, replicas = 2) => `apiVersion: apps/v1
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
          ports: [{containerPort: 80}]
`;
const service = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
`;
const application = (name: string, url: string, extra = '') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
  source: {repoURL: '${url}', path: deploy, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
${extra}`;

describe.skipIf(!KUBECTL)('the simulated Argo CD syncs Applications from Git, as Argo CD does', () => {
  const repo = bareRepo({ 'deploy/deployment.yaml': deployment('nginx:1.25'), 'deploy/service.yaml': service });
  const url = repo.config.url;
  const errors: unknown[] = [];
  const s = kubectlSandbox({
    prefix: 'claw-argocd-',
    stateYaml:
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd]\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: argocd}',
    options: { gitopsTools: { helm: HELM }, onError: (e) => errors.push(e) },
  });
  const app = (name: string) => ['get', 'app', name, '-n', 'argocd'];
  const field = (name: string, path: string) => s.k('get', 'app', name, '-n', 'argocd', '-o', `jsonpath={${path}}`);

  it('auto-syncs a new Application into its namespace and reports it Synced and Healthy at the commit', async () => {
    await s.apply(
      application(
        'web',
        url,
        '  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n    syncOptions: [CreateNamespace=true]\n',
      ),
    );
    expect(await s.until(app('web'), /web\s+Synced\s+Healthy/, 2)).toMatch(/SYNC STATUS\s+HEALTH STATUS/);
    expect(await field('web', '.status.sync.revision')).toBe(repo.head());
    expect(await s.k('get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.metadata.annotations}')).toContain(
      '"argocd.argoproj.io/tracking-id":"web:apps/Deployment:shop/web"',
    );
    expect(JSON.parse(await field('web', '.status.history'))).toMatchObject([
      { id: 0, revision: repo.head(), initiatedBy: { automated: true } },
    ]);
    expect(await field('web', '.status.resources[*].kind')).toBe('Deployment Service');
    expect(errors).toEqual([]);
  });

  it('reverts a live kubectl patch of a self-healed Deployment after the self-heal timeout', async () => {
    await s.k('set', 'image', 'deploy/web', 'web=nginx:1.26', '-n', 'shop');
    await s.until(app('web'), /web\s+OutOfSync\s+/);
    await s.until(
      ['get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'],
      /^nginx:1\.25$/,
      2,
    );
    expect(await s.until(app('web'), /web\s+Synced\s+Healthy/, 2)).toBeTruthy();
    expect(JSON.parse(await field('web', '.status.history'))).toHaveLength(2);
  });

  it('leaves drift alone without self-heal, and syncs when an operation asks', async () => {
    await s.apply(application('manual', url, '').replace(/namespace: shop/, 'namespace: manual'));
    await s.until(app('manual'), /manual\s+OutOfSync\s+Missing/);
    expect(await field('manual', '.status.resources[*].status')).toBe('OutOfSync OutOfSync');
    const sync = await s.kubectl([
      'patch',
      'app',
      'manual',
      '-n',
      'argocd',
      '--type',
      'merge',
      '-p',
      '{"operation":{"initiatedBy":{"username":"clusterclaw"},"sync":{"prune":true}}}',
    ]);
    expect(sync.code, sync.out).toBe(0);
    await s.until(
      ['get', 'app', 'manual', '-n', 'argocd', '-o', 'jsonpath={.status.operationState.phase}'],
      /^Failed$/,
    );
    expect(await field('manual', '.status.operationState.message')).toMatch(
      /one or more objects failed to apply, reason: namespaces "manual" not found/,
    );
    expect(await field('manual', '.status.conditions[0].type')).toBe('SyncError');
    await s.k('create', 'namespace', 'manual');
    await s.k(
      'patch',
      'app',
      'manual',
      '-n',
      'argocd',
      '--type',
      'merge',
      '-p',
      '{"operation":{"initiatedBy":{"username":"clusterclaw"},"sync":{}}}',
    );
    await s.until(app('manual'), /manual\s+Synced\s+Healthy/, 2);
    expect(await field('manual', '.operation')).toBe('');
    await s.k('scale', 'deploy/web', '--replicas=1', '-n', 'manual');
    await s.until(app('manual'), /manual\s+OutOfSync/, 10);
    s.advance(30);
    expect(await s.k('get', 'deploy', 'web', '-n', 'manual', '-o', 'jsonpath={.spec.replicas}')).toBe('1');
  });

  it('syncs a new commit on refresh, goes Degraded when its rollout fails, and prunes what Git deleted', async () => {
    repo.push('deploy/deployment.yaml', deployment('nginx:1.99'), 'bump web to nginx 1.99');
    await s.k('annotate', 'app', 'web', '-n', 'argocd', 'argocd.argoproj.io/refresh=normal');
    await s.until(
      ['get', 'app', 'web', '-n', 'argocd', '-o', 'jsonpath={.status.sync.revision}'],
      new RegExp(`^${repo.head()}$`),
    );
    expect(await field('web', '.metadata.annotations')).not.toContain('argocd.argoproj.io/refresh');
    expect(await s.until(app('web'), /web\s+Synced\s+Progressing/)).toBeTruthy();
    await s.until(app('web'), /web\s+Synced\s+Degraded/, 60);
    expect(await field('web', '.status.health.message')).toBe(''); // Argo CD 3 keeps the why per resource
    expect(await field('web', '.status.resources[?(@.kind=="Deployment")].health.message')).toBe(
      'Deployment "web" exceeded its progress deadline',
    );
    repo.remove('deploy/service.yaml', 'drop the service');
    await s.k('annotate', 'app', 'web', '-n', 'argocd', 'argocd.argoproj.io/refresh=hard');
    await s.until(['get', 'svc', '-n', 'shop'], /No resources found/);
    expect(await field('web', '.status.operationState.syncResult.resources[?(@.kind=="Service")].status')).toBe(
      'Pruned',
    );
  });

  it('reports a source that will not render as a ComparisonError with the tool’s words', async () => {
    await s.apply(application('broken', url, '').replace('path: deploy', 'path: nowhere'));
    await s.until(
      ['get', 'app', 'broken', '-n', 'argocd', '-o', 'jsonpath={.status.conditions[0].type}'],
      /ComparisonError/,
    );
    expect(await field('broken', '.status.conditions[0].message')).toMatch(
      /Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = nowhere: app path does not exist/,
    );
    expect(await field('broken', '.status.sync.status')).toBe('Unknown');
  });

  it('renders Helm charts with the real helm template and kustomizations with the real kubectl kustomize', async () => {
    const charts = bareRepo({
      'chart/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\nappVersion: "1.0"\n',
      'chart/values.yaml': 'image: {repository: nginx, tag: "1.25"}\nreplicas: 1\n',
      'chart/values-prod.yaml': 'replicas: 3\n',
      'chart/templates/deployment.yaml': deployment('{{ .Values.image.repository }}:{{ .Values.image.tag }}', 1)
        .replace('name: web, labels', 'name: {{ .Release.Name }}, labels')
        .replace('replicas: 1', 'replicas: {{ .Values.replicas }}'),
      'overlay/kustomization.yaml': 'resources: [deployment.yaml]\nnamePrefix: k-\n',
      'overlay/deployment.yaml': deployment('nginx:1.25', 1),
    });
    await s.k('create', 'namespace', 'charts');
    const helmApp = application('api', charts.config.url, '  syncPolicy: {automated: {}}\n')
      .replace(
        'path: deploy',
        'path: chart, helm: {releaseName: api-prod, valueFiles: [values-prod.yaml], valuesObject: {image: {tag: "1.26"}}}',
      )
      .replace('namespace: shop', 'namespace: charts');
    await s.apply(helmApp);
    await s.until(app('api'), /api\s+Synced\s+Healthy/, 2);
    expect(
      await s.k(
        'get',
        'deploy',
        'api-prod',
        '-n',
        'charts',
        '-o',
        'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}',
      ),
    ).toBe('3 nginx:1.26');
    expect(await field('api', '.status.sourceType')).toBe('Helm');
    const kApp = application('kust', charts.config.url, '  syncPolicy: {automated: {}}\n')
      .replace('path: deploy', "path: overlay, kustomize: {images: ['nginx=nginx:1.27']}")
      .replace('namespace: shop', 'namespace: charts');
    await s.apply(kApp);
    await s.until(app('kust'), /kust\s+Synced\s+Healthy/, 2).catch(async (e) => {
      throw new Error(`${e.message}\n${await field('kust', '.status.conditions')}`);
    });
    expect(
      await s.k('get', 'deploy', 'k-web', '-n', 'charts', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toBe('nginx:1.27');
    expect(await field('kust', '.status.summary.images[0]')).toBe('nginx:1.27');
  });
});
