import { describe, expect, it } from 'vitest';
import { diagnosePod } from '../../src/analyzers/pod-health.ts';
import { currentRevisionFailure, rolloutStatus } from '../../src/analyzers/rollout.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';

const deploy = (generation: number, observed: number, status: Record<string, unknown>, revision = '2'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'cart',
    namespace: 'shop',
    uid: 'd1',
    generation,
    annotations: { 'deployment.kubernetes.io/revision': revision },
  },
  spec: { replicas: 2 },
  status: { observedGeneration: observed, ...status },
});
const rs = (name: string, revision: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name,
    uid: name,
    annotations: { 'deployment.kubernetes.io/revision': revision },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', uid: 'd1', controller: true }],
  },
});
const crashing = (owner: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: `${owner}-abcde`,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }],
  },
  status: {
    containerStatuses: [
      {
        name: 'c',
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      },
    ],
  },
});

describe('rolloutStatus (kubectl rollout status)', () => {
  it.each([
    [
      'waits for the controller to observe the new spec',
      deploy(3, 2, {}),
      false,
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'waits while new replicas are still being created',
      deploy(2, 2, { updatedReplicas: 1, replicas: 3, availableReplicas: 2 }),
      false,
      '1 out of 2 new replicas have been updated',
    ],
    [
      'waits for old replicas to terminate',
      deploy(2, 2, { updatedReplicas: 2, replicas: 3, availableReplicas: 2 }),
      false,
      '1 old replicas are pending termination',
    ],
    [
      'waits for updated replicas to become available',
      deploy(2, 2, { updatedReplicas: 2, replicas: 2, availableReplicas: 1 }),
      false,
      '1 of 2 updated replicas are available',
    ],
    [
      'is done when every updated replica is available',
      deploy(2, 2, { updatedReplicas: 2, replicas: 2, availableReplicas: 2 }),
      true,
      'successfully rolled out',
    ],
  ])('%s', (_name, d, done, message) => {
    const s = rolloutStatus(d);
    expect(s.done).toBe(done);
    expect(s.message).toContain(message);
  });
});

describe('currentRevisionFailure', () => {
  const sets = [rs('cart-old', '1'), rs('cart-new', '2')];
  it('names a crash-looping pod of the current revision', () => {
    expect(currentRevisionFailure(deploy(2, 2, {}), sets, [crashing('cart-new')], diagnosePod)).toContain(
      'cart-new-abcde',
    );
  });
  it('ignores failing pods of older revisions', () => {
    expect(currentRevisionFailure(deploy(2, 2, {}), sets, [crashing('cart-old')], diagnosePod)).toBeUndefined();
  });
  it('says nothing until the controller has observed the change', () => {
    expect(currentRevisionFailure(deploy(3, 2, {}), sets, [crashing('cart-new')], diagnosePod)).toBeUndefined();
  });
});
