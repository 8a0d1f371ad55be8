import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { WriteTool } from '../../src/tools/define-tool.ts';
import { findTool } from '../../src/tools/registry.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const sample = (f: string) => readFileSync(join(FIXTURES, 'ecosystem', f), 'utf8');
const STATE = [
  readFileSync(join(FIXTURES, 'upgrades', 'cluster-api.yaml'), 'utf8'),
  // The managed control planes of the reference samples, in namespace fleet.
  sample('controlplane.cluster.x-k8s.io__ROSAControlPlane__prod-rosa-cp.yaml'),
  sample('controlplane.cluster.x-k8s.io__AWSManagedControlPlane__prod-us-eks-cp.yaml'),
  sample('infrastructure.cluster.x-k8s.io__GCPManagedControlPlane__prod-gke-cp.yaml'),
].join('\n---\n');

describe('node_pool_upgrade: Cluster API versions as each provider spells them, under the skew policy', () => {
  let sandbox: Sandbox;
  let reader: KubeReader;
  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: STATE, tickMs: 50 });
    reader = new KubeReader(kubeConfigOf(sandbox));
  });
  afterAll(() => sandbox?.stop());
  const plan = (input: Record<string, unknown>) => {
    const t = findTool('node_pool_upgrade') as WriteTool;
    return t.plan({ reader, now: () => new Date() }, t.input.parse({ namespace: 'fleet', ...input }));
  };

  it('writes the version where each kind keeps it, with the provider’s spelling', async () => {
    const md = await plan({ kind: 'MachineDeployment', name: 'prod-eu-1-md-0', version: '1.32.3' });
    expect(md.request).toMatchObject({
      verb: 'patch',
      patchType: 'merge',
      body: { spec: { template: { spec: { version: 'v1.32.3' } } } },
    });
    expect(md.undo).toEqual({
      tool: 'node_pool_upgrade',
      input: { namespace: 'fleet', kind: 'MachineDeployment', name: 'prod-eu-1-md-0', version: 'v1.31.6' },
    });
    const gke = await plan({ kind: 'GCPManagedControlPlane', name: 'prod-gke-cp', version: 'v1.32.1-gke.1002000' });
    expect(gke.request).toMatchObject({ body: { spec: { version: '1.32.1-gke.1002000' } } });
    // ROSA's sample already asks for 4.17.12 (status 4.16.30: on its way).
    await expect(plan({ kind: 'ROSAControlPlane', name: 'prod-rosa-cp', version: '4.17.12' })).rejects.toThrow(
      'ROSAControlPlane fleet/prod-rosa-cp already wants 4.17.12',
    );
  });

  it('refuses what the skew policy and the providers refuse', async () => {
    await expect(plan({ kind: 'MachineDeployment', name: 'prod-eu-1-md-0', version: 'v1.33.0' })).rejects.toThrow(
      'v1.31.6 → v1.33.0 skips a minor version: upgrade to 1.32 first',
    );
    await expect(plan({ kind: 'KubeadmControlPlane', name: 'prod-eu-1-cp', version: 'v1.31.0' })).rejects.toThrow(
      /is a downgrade/,
    );
    await expect(plan({ kind: 'ROSAControlPlane', name: 'prod-rosa-cp', version: '4.18.1' })).rejects.toThrow(
      "4.18.1 is not among ROSAControlPlane fleet/prod-rosa-cp's available upgrades (4.16.32, 4.17.12)",
    );
    await expect(plan({ kind: 'KubeadmControlPlane', name: 'prod-eu-1-cp', replicas: 4 })).rejects.toThrow(
      'a kubeadm control plane runs an odd number of members (1, 3, 5): etcd needs a quorum',
    );
    await expect(plan({ kind: 'AWSManagedControlPlane', name: 'prod-us-eks-cp', replicas: 3 })).rejects.toThrow(
      'AWSManagedControlPlane has no replicas to scale here: scale its node pools',
    );
    expect(() =>
      (findTool('node_pool_upgrade') as WriteTool).input.parse({ namespace: 'fleet', kind: 'Cluster', name: 'x' }),
    ).toThrow(/give a version or replicas, not both/);
  });

  it('scales a pool, with the way back as a ready proposal', async () => {
    const up = await plan({ kind: 'MachineDeployment', name: 'prod-eu-1-md-0', replicas: 5 });
    expect(up).toMatchObject({
      risk: 'low',
      summary: 'Scale MachineDeployment fleet/prod-eu-1-md-0 from 3 to 5 machine(s)',
    });
    expect(up.undo?.input).toMatchObject({ replicas: 3 });
  });
});
