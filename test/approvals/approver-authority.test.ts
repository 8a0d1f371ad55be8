import { describe, expect, it } from 'vitest';
import { plural, stepAttributes } from '../../src/approvals/approver-authority.ts';

describe('what the API server will check for each write step', () => {
  it('names resources as Kubernetes does', () => {
    expect(
      ['Deployment', 'Ingress', 'NetworkPolicy', 'Endpoints', 'Node', 'PersistentVolumeClaim', 'StatefulSet'].map(
        plural,
      ),
    ).toEqual([
      'deployments',
      'ingresses',
      'networkpolicies',
      'endpoints',
      'nodes',
      'persistentvolumeclaims',
      'statefulsets',
    ]);
  });

  it('maps patch, scale, eviction and delete to verbs, groups and subresources', () => {
    expect(
      stepAttributes({
        verb: 'patch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'cart',
        patchType: 'strategic',
        body: {},
      }),
    ).toEqual({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'cart' });
    expect(
      stepAttributes({
        verb: 'patch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'cart',
        patchType: 'merge',
        body: {},
        subresource: 'scale',
      }),
    ).toMatchObject({ verb: 'patch', resource: 'deployments', subresource: 'scale' });
    expect(stepAttributes({ verb: 'evict', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'cart-1' })).toEqual(
      { verb: 'create', group: '', resource: 'pods', subresource: 'eviction', namespace: 'shop', name: 'cart-1' },
    );
    expect(
      stepAttributes({ verb: 'delete', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'cart-1' }),
    ).toMatchObject({ verb: 'delete', group: '', resource: 'pods' });
    expect(
      stepAttributes({ verb: 'patch', apiVersion: 'v1', kind: 'Node', name: 'n1', patchType: 'strategic', body: {} }),
    ).toMatchObject({ group: '', resource: 'nodes', namespace: undefined });
  });
});
