import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync } from '../helpers/kubectl.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';

const CRD = join(import.meta.dirname, '..', 'fixtures', 'argocd-application-crd.yaml');
// A real Application as `kubectl get -o yaml` prints it (from the shared reference samples).
const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'argocd-guestbook-application.yaml');

describe('CustomResourceDefinitions make the sandbox serve new kinds', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-crd-'));
    // The custom resource comes before its CRD in the file: the loader must still serve it.
    const sample = await readFile(SAMPLE, 'utf8');
    sandbox = await startSandbox({
      stateYaml: `${sample}\n---\n${await readFile(CRD, 'utf8')}`,
      tickMs: 50,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a custom resource whose CRD is in the same file, and marks the CRD Established', () => {
    expect(sandbox.load.warnings).toEqual([]);
    const crd = sandbox.state.store.mustGet(T.crd, undefined, 'applications.argoproj.io');
    expect(crd.status.conditions.find((c: any) => c.type === 'Established')).toMatchObject({ status: 'True' });
  });

  it('serves the kind to client-node through discovery', async () => {
    const reader = new KubeReader(kubeConfigOf(sandbox));
    const apps = await reader.list('argoproj.io/v1alpha1', 'Application', 'argocd');
    expect(apps.map((a) => a.metadata.name)).toEqual(['guestbook']);
    expect((apps[0]!.status as any).sync.status).toBe('Synced');
  });

  it.skipIf(!KUBECTL)('prints the CRD printer columns in kubectl get, by plural and short name', async () => {
    const out = await kubectlAsync(['get', 'app', '-n', 'argocd'], env);
    expect(out.code, out.out).toBe(0);
    expect(out.out).toMatch(/^NAME\s+SYNC STATUS\s+HEALTH STATUS\n/);
    expect(out.out).toMatch(/guestbook\s+Synced\s+Healthy\s+/);
    expect((await kubectlAsync(['get', 'applications.argoproj.io', '-n', 'argocd', '-o', 'wide'], env)).out).toMatch(
      /REVISION\s+PROJECT\nguestbook\s+Synced\s+Healthy\s+53e28ff20cc530b9ada2173fbbd64d48338583ba\s+default\s+/,
    );
  });

  it('holds a finalized object in Terminating until its finalizer is removed, and drops the kind with its CRD', async () => {
    const reader = new KubeReader(kubeConfigOf(sandbox));
    const ref = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: 'argocd', name: 'guestbook' };
    const types = sandbox.state.types;
    const appType = types.findByKind('argoproj.io/v1alpha1', 'Application')!;
    const obj = sandbox.state.store.mustGet(appType, 'argocd', 'guestbook');
    sandbox.state.store.update(appType, {
      ...obj,
      metadata: { ...obj.metadata, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    });
    sandbox.state.store.delete(appType, 'argocd', 'guestbook');
    expect((await reader.read(ref)).metadata.deletionTimestamp).toBeDefined();
    const held = sandbox.state.store.mustGet(appType, 'argocd', 'guestbook');
    sandbox.state.store.update(appType, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(await reader.find(ref)).toBeUndefined();
    sandbox.state.store.delete(T.crd, undefined, 'applications.argoproj.io');
    expect(types.findByKind('argoproj.io/v1alpha1', 'Application')).toBeUndefined();
    await expect(reader.list('argoproj.io/v1alpha1', 'Application', 'argocd')).rejects.toThrow();
  });
});
