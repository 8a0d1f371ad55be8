import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const STATE = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'openshift.yaml'), 'utf8');
const mergePatch = (body: unknown) => [
  'patch',
  'clusterversion',
  'version',
  '--type',
  'merge',
  '-p',
  JSON.stringify(body),
];
const cond = (type: string, field = 'status') => `jsonpath={.status.conditions[?(@.type=="${type}")].${field}}`;

describe.skipIf(!KUBECTL)('the simulated cluster-version operator updates OpenShift as `oc adm upgrade` asks', () => {
  const s = kubectlSandbox({ prefix: 'claw-ocp-', stateYaml: STATE });
  const cv = (jsonpath: string) => s.k('get', 'clusterversion', 'version', '-o', jsonpath);

  it('refuses a minor update while an operator is not upgradeable, naming the precondition', async () => {
    await s.k(
      'patch',
      'clusteroperator',
      'machine-config',
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        status: {
          conditions: [
            { type: 'Available', status: 'True', reason: 'AsExpected' },
            { type: 'Degraded', status: 'False', reason: 'AsExpected' },
            {
              type: 'Upgradeable',
              status: 'False',
              reason: 'DegradedPool',
              message: 'One or more machine config pools are degraded',
            },
          ],
        },
      }),
    );
    await s.until(['get', 'clusterversion', 'version', '-o', cond('Upgradeable')], /^False$/);
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.18.1', force: false, architecture: '' } } }));
    const msg = await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('ReleaseAccepted', 'message')],
      /Precondition/,
    );
    expect(msg).toMatch(
      /Precondition "ClusterVersionUpgradeable" failed because of "DegradedPool": Cluster operator machine-config should not be upgraded between minor versions/,
    );
    expect(await cv('jsonpath={.status.desired.version}')).toBe('4.17.10');
  });

  it('takes a z-stream update through Partial, every operator and the pools, to Completed', async () => {
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.17.14', force: false, architecture: '' } } }));
    const working = await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('Progressing', 'message')],
      /Working towards 4\.17\.14/,
    );
    expect(working).toMatch(/\d+ of 903 done \(\d+% complete\)/);
    expect(await cv('jsonpath={.status.history[0].state}')).toBe('Partial');
    await s.until(['get', 'clusterversion', 'version', '-o', 'jsonpath={.status.history[0].state}'], /^Completed$/, 1);
    expect(await cv(cond('Progressing', 'message'))).toBe('Cluster version is 4.17.14');
    expect(
      await s.k('get', 'co', 'machine-config', '-o', 'jsonpath={.status.versions[?(@.name=="operator")].version}'),
    ).toBe('4.17.14');
    expect(
      await s.k('get', 'mcp', 'worker', '-o', 'jsonpath={.status.updatedMachineCount}/{.status.machineCount}'),
    ).toBe('3/3');
    expect(await cv('jsonpath={.status.availableUpdates}')).toBe('[]');
    expect(await s.k('get', 'clusterversion')).toMatch(/version\s+4\.17\.14/);
  });

  it('stops on a degraded operator: waiting on it, then Failing', async () => {
    await s.k(
      'patch',
      'clusteroperator',
      'ingress',
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        status: {
          conditions: [{ type: 'Degraded', status: 'True', reason: 'IngressDegraded', message: 'router pods crash' }],
        },
      }),
    );
    const kv = s.sandbox.state.store;
    const t = s.sandbox.state.types.findByKind('config.openshift.io/v1', 'ClusterVersion')!;
    const v = kv.get(t, undefined, 'version')!;
    v.status.availableUpdates = [
      { version: '4.17.16', image: 'quay.io/openshift-release-dev/ocp-release@sha256:1111' },
    ];
    kv.update(t, v, { statusOnly: true });
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.17.16', force: false, architecture: '' } } }));
    await s.until(['get', 'clusterversion', 'version', '-o', cond('Progressing', 'message')], /waiting on ingress/);
    await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('Failing', 'message')],
      /Cluster operator ingress is degraded/,
      5,
    );
  });
});
