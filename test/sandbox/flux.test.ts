import { describe, expect, it } from 'vitest';
import { bareRepo } from '../helpers/git-repo.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo, labels: {app: podinfo}}
spec:
  replicas: 2
  selector: {matchLabels: {app: podinfo}}
  template:
    metadata: {labels: {app: podinfo}}
    spec:
      containers: [{name: podinfo, image: '${image}', ports: [{containerPort: 80}]}]
`;
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: podinfo-config}\ndata: {LOG_LEVEL: info}\n';

describe.skipIf(!KUBECTL)('the simulated Flux reconciles Kustomizations from GitRepositories, as Flux does', () => {
  const repo = bareRepo({
    'kustomize/kustomization.yaml': 'resources: [deployment.yaml, configmap.yaml]\n',
    'kustomize/deployment.yaml': deployment('nginx:1.25'),
    'kustomize/configmap.yaml': configMap,
  });
  const errors: unknown[] = [];
  const s = kubectlSandbox({
    prefix: 'claw-flux-',
    stateYaml: `apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxCRDs
sets: [flux]
---
apiVersion: v1
kind: Namespace
metadata: {name: podinfo}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: podinfo, namespace: flux-system}
spec: {interval: 5m, url: '${repo.config.url}', ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: podinfo, namespace: flux-system}
spec:
  interval: 10m
  path: ./kustomize
  prune: true
  wait: true
  timeout: 3m
  targetNamespace: podinfo
  sourceRef: {kind: GitRepository, name: podinfo}
`,
    options: { gitopsTools: { helm: HELM }, onError: (e) => errors.push(e) },
  });
  const ks = ['get', 'ks', 'podinfo', '-n', 'flux-system'];
  const status = (kind: string, path: string) =>
    s.k('get', kind, 'podinfo', '-n', 'flux-system', '-o', `jsonpath={${path}}`);

  it('stores the artifact, applies it into the target namespace, and goes Ready once the workloads are healthy', async () => {
    expect(
      await s.until(
        ['get', 'gitrepo', '-n', 'flux-system'],
        /podinfo\s+file:\S+\s+\S+\s+True\s+stored artifact for revision 'main@sha1:/,
      ),
    ).toBeTruthy();
    expect(await s.until(ks, /True\s+Applied revision: main@sha1:/, 2)).toMatch(new RegExp(`main@sha1:${repo.head()}`));
    expect(await status('ks', '.status.conditions[?(@.type=="Healthy")].message')).toMatch(
      /^Health check passed in \d+s$/,
    );
    expect(await status('ks', '.status.inventory.entries[*].id')).toBe(
      'podinfo_podinfo-config__ConfigMap podinfo_podinfo_apps_Deployment',
    );
    expect(await s.k('get', 'deploy', 'podinfo', '-n', 'podinfo', '-o', 'jsonpath={.metadata.labels}')).toContain(
      '"kustomize.toolkit.fluxcd.io/name":"podinfo"',
    );
    expect(errors).toEqual([]);
  });

  it('reverts live drift at the next reconcile, and at once when asked to reconcile now', async () => {
    await s.k('set', 'image', 'deploy/podinfo', 'podinfo=nginx:1.26', '-n', 'podinfo');
    s.advance(30);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      await s.k(
        'get',
        'deploy',
        'podinfo',
        '-n',
        'podinfo',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ),
    ).toBe('nginx:1.26');
    await s.k(
      'annotate',
      '--overwrite',
      'ks',
      'podinfo',
      '-n',
      'flux-system',
      'reconcile.fluxcd.io/requestedAt=2026-12-06T18:00:00Z',
    );
    await s.until(
      ['get', 'deploy', 'podinfo', '-n', 'podinfo', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'],
      /^nginx:1\.25$/,
    );
    await s.until(
      ['get', 'ks', 'podinfo', '-n', 'flux-system', '-o', 'jsonpath={.status.lastHandledReconcileAt}'],
      /2026-12-06T18:00:00Z/,
    );
    await s.k('set', 'image', 'deploy/podinfo', 'podinfo=nginx:1.26', '-n', 'podinfo');
    await s.until(
      ['get', 'deploy', 'podinfo', '-n', 'podinfo', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'],
      /^nginx:1\.25$/,
      60,
    );
  });

  it('holds still while suspended, and reconciles on resume', async () => {
    await s.k('patch', 'ks', 'podinfo', '-n', 'flux-system', '--type', 'merge', '-p', '{"spec":{"suspend":true}}');
    await s.k('scale', 'deploy/podinfo', '--replicas=1', '-n', 'podinfo');
    s.advance(1200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await s.k('get', 'deploy', 'podinfo', '-n', 'podinfo', '-o', 'jsonpath={.spec.replicas}')).toBe('1');
    await s.k(
      'patch',
      'ks',
      'podinfo',
      '-n',
      'flux-system',
      '--type',
      'merge',
      '-p',
      '{"spec":{"suspend":false},"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"resume-1"}}}',
    );
    await s.until(['get', 'deploy', 'podinfo', '-n', 'podinfo', '-o', 'jsonpath={.spec.replicas}'], /^2$/);
  });

  it('follows a new commit, fails its health check when the rollout cannot finish, and prunes what Git removed', async () => {
    repo.push('kustomize/deployment.yaml', deployment('nginx:1.99'), 'podinfo 1.99');
    repo.push('kustomize/kustomization.yaml', 'resources: [deployment.yaml]\n', 'drop the config map');
    await s.k(
      'annotate',
      '--overwrite',
      'gitrepo',
      'podinfo',
      '-n',
      'flux-system',
      'reconcile.fluxcd.io/requestedAt=new-commit',
    );
    await s.until(
      ['get', 'ks', 'podinfo', '-n', 'flux-system', '-o', 'jsonpath={.status.lastAttemptedRevision}'],
      new RegExp(repo.head()),
    );
    expect(await s.until(['get', 'cm', '-n', 'podinfo'], /^(?![\s\S]*podinfo-config)/)).not.toContain('podinfo-config');
    const failed = await s.until(ks, /False\s+health check failed/, 30);
    expect(failed).toMatch(
      /health check failed after \d+m\d+s: timeout waiting for: \[Deployment\/podinfo\/podinfo status: '(InProgress|Failed)'\]/,
    );
    expect(await status('ks', '.status.conditions[?(@.type=="Ready")].reason')).toBe('HealthCheckFailed');
    expect(await status('ks', '.status.lastAppliedRevision')).toBe(`main@sha1:${repo.head()}`);
  });

  it('reports a path that is not in the artifact as a failed build', async () => {
    await s.k('patch', 'ks', 'podinfo', '-n', 'flux-system', '--type', 'merge', '-p', '{"spec":{"path":"./nowhere"}}');
    await s.until(ks, /False\s+\S*nowhere: app path does not exist|kustomization path not found/);
    expect(await status('ks', '.status.conditions[?(@.type=="Ready")].reason')).toBe('BuildFailed');
  });
});

describe.skipIf(!KUBECTL || !HELM)('the simulated helm-controller releases charts from Git with the real helm', () => {
  const repo = bareRepo({
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.2.0\nappVersion: "1.25"\n',
    'charts/web/values.yaml': 'image: {tag: "1.25"}\nreplicas: 2\n',
    'charts/web/templates/deployment.yaml': deployment('nginx:{{ .Values.image.tag }}')
      .replace('name: podinfo, labels', 'name: {{ .Release.Name }}, labels')
      .replace('replicas: 2', 'replicas: {{ .Values.replicas }}'),
  });
  const errors: unknown[] = [];
  const s = kubectlSandbox({
    prefix: 'claw-helmrelease-',
    stateYaml: `apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxCRDs
sets: [flux]
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 5m, url: '${repo.config.url}', ref: {branch: main}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  interval: 10m
  timeout: 2m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: charts, namespace: flux-system}
  upgrade: {remediation: {retries: 1, strategy: rollback}}
  values: {replicas: 3}
`,
    options: { gitopsTools: { helm: HELM }, onError: (e) => errors.push(e) },
  });
  const hr = ['get', 'hr', 'web', '-n', 'apps'];
  const status = (path: string) => s.k('get', 'hr', 'web', '-n', 'apps', '-o', `jsonpath={${path}}`);

  it('installs the chart with the values, stores the release as helm does, and goes Ready', async () => {
    expect(await s.until(hr, /True\s+Helm install succeeded/, 2)).toMatch(
      /Helm install succeeded for release apps\/web\.v1 with chart web@1\.2\.0/,
    );
    expect(
      await s.k(
        'get',
        'deploy',
        'web',
        '-n',
        'apps',
        '-o',
        'jsonpath={.spec.replicas} {.metadata.labels.helm\\.toolkit\\.fluxcd\\.io/name}',
      ),
    ).toBe('3 web');
    expect(
      await s.k(
        'get',
        'secret',
        '-n',
        'apps',
        '-l',
        'owner=helm,name=web',
        '-o',
        'jsonpath={.items[*].metadata.name} {.items[*].type}',
      ),
    ).toBe('sh.helm.release.v1.web.v1 helm.sh/release.v1');
    expect(JSON.parse(await status('.status.history'))).toMatchObject([
      { version: 1, status: 'deployed', chartName: 'web', chartVersion: '1.2.0', appVersion: '1.25' },
    ]);
    expect(errors).toEqual([]);
  });

  it('marks a stuck upgrade failed at its timeout, rolls back as remediation, then stalls when retries run out', async () => {
    await s.k(
      'patch',
      'hr',
      'web',
      '-n',
      'apps',
      '--type',
      'merge',
      '-p',
      '{"spec":{"values":{"image":{"tag":"1.99"}}}}',
    );
    await s.until(hr, /Unknown\s+Running 'upgrade' action with timeout of 2m0s/);
    const stalled = await s.until(
      ['get', 'hr', 'web', '-n', 'apps', '-o', 'jsonpath={.status.conditions[?(@.type=="Stalled")].message}'],
      /Failed to upgrade after 2 attempt\(s\)/,
      20,
    );
    expect(stalled).toBeTruthy();
    expect(await status('.status.conditions[?(@.type=="Ready")].message')).toBe(
      'Helm upgrade failed for release apps/web with chart web@1.2.0: context deadline exceeded',
    );
    expect(await status('.status.conditions[?(@.type=="Remediated")].message')).toBe(
      'Helm rollback to previous release apps/web.v1 with chart web@1.2.0 succeeded',
    );
    expect(await status('.status.upgradeFailures')).toBe('2');
    const history = JSON.parse(await status('.status.history')) as { version: number; status: string }[];
    expect(history.map((h) => `${h.version}:${h.status}`)).toEqual([
      '4:failed',
      '3:deployed',
      '2:failed',
      '1:superseded',
    ]);
    // The real helm reads the same story from the release Secrets.
    const { helmAsync } = await import('../helpers/kubectl.ts');
    const helmHistory = await helmAsync(['history', 'web', '-n', 'apps'], s.env);
    expect(helmHistory.out).toMatch(
      /2\s+.*failed\s+web-1\.2\.0\s+1\.25\s+Upgrade "web" failed: context deadline exceeded/,
    );
    expect(helmHistory.out).toMatch(/3\s+.*deployed\s+web-1\.2\.0\s+1\.25\s+Rollback to 1/);
  });
});
