import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const STATE = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'cluster-api.yaml'), 'utf8');

describe.skipIf(!KUBECTL)('the simulated Cluster API rolls machines when a version or a replica count changes', () => {
  const s = kubectlSandbox({ prefix: 'claw-capi-', stateYaml: STATE });
  const md = (jsonpath: string) =>
    s.k('get', 'machinedeployment', 'prod-eu-1-md-0', '-n', 'fleet', '-o', `jsonpath=${jsonpath}`);

  it('replaces a pool’s machines one by one on a new version, then reports Running', async () => {
    await s.until(['get', 'md', 'prod-eu-1-md-0', '-n', 'fleet', '-o', 'jsonpath={.status.observedGeneration}'], /^1$/);
    await s.k(
      'patch',
      'md',
      'prod-eu-1-md-0',
      '-n',
      'fleet',
      '--type',
      'merge',
      '-p',
      '{"spec":{"template":{"spec":{"version":"v1.32.3"}}}}',
    );
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const now = await md('{.status.phase} {.status.updatedReplicas}/{.status.replicas}');
      seen.add(now);
      if (now === 'Running 3/3' && seen.size > 1) break;
      s.advance(1);
      await new Promise((r) => setTimeout(r, 80));
    }
    expect([...seen]).toEqual(expect.arrayContaining(['ScalingUp 1/3', 'ScalingUp 2/3', 'Running 3/3']));
    expect(await md('{.status.observedGeneration}')).toBe('2');
  });

  it('rolls a kubeadm control plane and reports its new version only when every member runs it', async () => {
    await s.k('patch', 'kcp', 'prod-eu-1-cp', '-n', 'fleet', '--type', 'merge', '-p', '{"spec":{"version":"v1.33.1"}}');
    await s.until(
      ['get', 'kcp', 'prod-eu-1-cp', '-n', 'fleet', '-o', 'jsonpath={.status.conditions[0].reason}'],
      /RollingUpdateInProgress/,
      1,
    );
    expect(await s.k('get', 'kcp', 'prod-eu-1-cp', '-n', 'fleet', '-o', 'jsonpath={.status.version}')).toBe('v1.32.3');
    await s.until(['get', 'kcp', 'prod-eu-1-cp', '-n', 'fleet', '-o', 'jsonpath={.status.version}'], /^v1\.33\.1$/, 1);
  });

  it('scales a pool', async () => {
    await s.k('patch', 'md', 'prod-eu-1-md-0', '-n', 'fleet', '--type', 'merge', '-p', '{"spec":{"replicas":5}}');
    await s.until(
      ['get', 'md', 'prod-eu-1-md-0', '-n', 'fleet', '-o', 'jsonpath={.status.phase} {.status.replicas}'],
      /^Running 5$/,
      1,
    );
  });
});
