import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { CRD_SET_NAMES } from '../../src/sandbox/crds/crd-sets.ts';
import { loadState } from '../../src/sandbox/load-state.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'ecosystem');
/** Every operator object of the reference samples (the core kinds are served anyway). */
const operatorSamples = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.yaml') && !/^(core|apps|policy|networking\.k8s\.io)__/.test(f))
  .map((f) => readFileSync(join(SAMPLES, f), 'utf8'));

describe('ready CRD sets: the operators our users run, served as their clusters serve them', () => {
  it('loads every operator sample once its set is named, and warns about each without it', () => {
    const bare = new ClusterState();
    expect(loadState(bare, operatorSamples.join('\n---\n')).warnings).toHaveLength(operatorSamples.length);
    const state = new ClusterState();
    const load = loadState(
      state,
      [
        `apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [${CRD_SET_NAMES}]`,
        ...operatorSamples,
      ].join('\n---\n'),
    );
    expect(load.warnings).toEqual([]);
    expect(load.objects).toBe(operatorSamples.length);
    // The Route is an aggregated API: no CRD stands behind it.
    expect(state.store.get(T.crd, undefined, 'routes.route.openshift.io')).toBeUndefined();
    expect(state.store.get(T.apiService, undefined, 'v1.route.openshift.io')?.spec.service).toMatchObject({
      namespace: 'openshift-apiserver',
    });
  });

  it('refuses an unknown set by name, listing the sets there are', () => {
    expect(() =>
      loadState(new ClusterState(), 'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argo]'),
    ).toThrow(/SandboxCRDs: unknown CRD set argo: the sets are argocd, flux, velero, trivy, openshift, cluster-api/);
  });

  it('lets a CRD declared in the state file win over the set’s own', () => {
    const state = new ClusterState();
    loadState(
      state,
      `apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd]\n---\n${readFileSync(
        join(import.meta.dirname, '..', 'fixtures', 'argocd-application-crd.yaml'),
        'utf8',
      )}`,
    );
    expect(state.types.findByKind('argoproj.io/v1alpha1', 'AppProject')).toBeDefined();
    expect(state.store.list(T.crd).filter((c) => c.metadata.name === 'applications.argoproj.io')).toHaveLength(1);
  });
});

function withoutOwners(yaml: string): string {
  const obj = parse(yaml);
  delete obj.metadata.ownerReferences;
  return stringify(obj);
}

describe.skipIf(!KUBECTL)('custom resources through the real kubectl', () => {
  const s = kubectlSandbox({
    prefix: 'claw-crdsets-',
    stateYaml: [
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd, flux, trivy, openshift, cluster-api]',
      // Without their owners (a ReplicaSet not in this cluster), the garbage collector would take the reports.
      ...operatorSamples.filter((y) => !/^apiVersion: velero/m.test(y)).map(withoutOwners),
    ].join('\n---\n'),
  });

  it('lists the CRDs and the aggregated Route API the way discovery does', async () => {
    const crds = await s.k('get', 'crd', '-o', 'name');
    expect(crds).toContain('customresourcedefinition.apiextensions.k8s.io/kustomizations.kustomize.toolkit.fluxcd.io');
    expect(crds).not.toContain('routes.route.openshift.io');
    expect(await s.k('api-resources', '--api-group=route.openshift.io')).toMatch(
      /routes\s+route\.openshift\.io\/v1\s+true\s+Route/,
    );
    expect(await s.k('get', 'apiservice', 'v1.route.openshift.io', 'v1.apps')).toMatch(
      /NAME\s+SERVICE\s+AVAILABLE\s+AGE\nv1\.route\.openshift\.io\s+openshift-apiserver\/api\s+True\s+\S+\nv1\.apps\s+Local\s+True/,
    );
    expect((await s.kubectl(['get', 'backups', '-A'])).out).toMatch(
      /the server doesn't have a resource type "backups"/,
    );
  });

  it('prints each kind’s printer columns, by short name', async () => {
    expect(await s.k('get', 'ks', '-A')).toMatch(
      /NAMESPACE\s+NAME\s+AGE\s+READY\s+STATUS\n\S+\s+podinfo\s+\S+\s+True\s+Applied revision: master@sha1:450796d/,
    );
    expect(await s.k('get', 'hr', '-A')).toMatch(/NAME\s+AGE\s+READY\s+STATUS\n\S+\s+podinfo\s+/);
    expect(await s.k('get', 'gitrepo', '-A')).toMatch(/NAMESPACE\s+NAME\s+URL\s+AGE\s+READY\s+STATUS\n/);
    expect(await s.k('get', 'vuln', '-A', '-o', 'wide')).toMatch(
      /REPOSITORY\s+TAG\s+SCANNER\s+AGE\s+CRITICAL\s+HIGH\s+MEDIUM\s+LOW\s+UNKNOWN\n\S+\s+replicaset-payments-api-7c9d8f6b5d-api\s+\S+\s+\S+\s+Trivy\s+\S+\s+\d+\s+\d+/,
    );
    expect(await s.k('get', 'clusterversion')).toMatch(
      /NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+SINCE\s+STATUS\nversion\s+/,
    );
    expect(await s.k('get', 'co')).toMatch(/NAME\s+VERSION\s+AVAILABLE\s+PROGRESSING\s+DEGRADED\s+SINCE\s+MESSAGE\n/);
    expect(await s.k('get', 'cluster-api', '-A')).toMatch(/cluster\.cluster\.x-k8s\.io\/prod-eu-1/);
  });

  it('describes, applies, diffs and merge-patches a custom resource, and refuses a strategic merge patch with 415', async () => {
    const ns = (await s.k('get', 'app', '-A', '-o', 'jsonpath={.items[0].metadata.namespace}')).trim();
    const name = (await s.k('get', 'app', '-A', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    expect(await s.k('describe', 'app', name, '-n', ns)).toMatch(/Kind:\s+Application[\s\S]*Sync:/);
    const strategic = await s.kubectl(['patch', 'app', name, '-n', ns, '-p', '{"spec":{"project":"other"}}']);
    expect(strategic.code).not.toBe(0);
    expect(strategic.out).toMatch(
      /application\/strategic-merge-patch\+json is not supported by argoproj.io\/v1alpha1, Kind=Application: the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/,
    );
    await s.k('patch', 'app', name, '-n', ns, '--type', 'merge', '-p', '{"spec":{"project":"other"}}');
    expect(await s.k('get', 'app', name, '-n', ns, '-o', 'jsonpath={.spec.project}')).toBe('other');
    const manifest = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: from-git\n  namespace: ${ns}\nspec:\n  project: default\n  source: {repoURL: file:///srv/git/a.git, path: deploy, targetRevision: main}\n  destination: {server: https://kubernetes.default.svc, namespace: default}\n`;
    await s.apply(manifest);
    const diffFile = join(s.dir, 'changed.yaml');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(diffFile, manifest.replace('path: deploy', 'path: deploy/prod')),
    );
    const diff = await s.kubectl(['diff', '-f', diffFile]);
    expect(diff.code, diff.out).toBe(1);
    expect(diff.out).toMatch(/-\s+path: deploy\n\+\s+path: deploy\/prod/);
    expect(await s.apply(manifest.replace('path: deploy', 'path: deploy/prod'))).toMatch(/configured/);
    expect(await s.k('get', 'app', 'from-git', '-n', ns, '-o', 'jsonpath={.spec.source.path}')).toBe('deploy/prod');
  });

  it('leaves objects whose sources are not local as recorded: the sandbox never fetches from the network', async () => {
    await new Promise((r) => setTimeout(r, 500));
    expect(await s.k('get', 'app', 'payments-api', '-n', 'argocd')).toMatch(/payments-api\s+OutOfSync\s+Degraded/);
    expect(
      await s.k('get', 'gitrepo', 'podinfo', '-n', 'flux-system', '-o', 'jsonpath={.status.artifact.revision}'),
    ).toBe('master@sha1:132f4e719209eb10b9485302f8593fc0e680f4fc');
  });

  it('gives a Route its host from the router domain, admits it, and takes a strategic merge patch', async () => {
    await s.apply(
      'apiVersion: route.openshift.io/v1\nkind: Route\nmetadata: {name: web, namespace: payments}\nspec:\n  to: {kind: Service, name: web}\n  tls: {termination: edge}\n',
    );
    expect(await s.until(['get', 'route', 'web', '-n', 'payments'], /Edge|edge/)).toMatch(
      /NAME\s+HOST\/PORT\s+PATH\s+SERVICES\s+PORT\s+TERMINATION\s+WILDCARD\nweb\s+web-payments\.apps\.sandbox\.example\.com\s+web\s+<all>\s+edge\s+None/,
    );
    await s.k(
      'patch',
      'route',
      'web',
      '-n',
      'payments',
      '-p',
      '{"spec":{"tls":{"insecureEdgeTerminationPolicy":"Redirect"}}}',
    );
    expect(await s.k('get', 'route', 'web', '-n', 'payments')).toMatch(/edge\/Redirect\s+None/);
  });
});
