import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/lib/kube-object.ts';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { reconcileOnce } from '../../src/sandbox/controllers/index.ts';
import { ObjectStore } from '../../src/sandbox/object-store.ts';

const cm = (namespace: string, name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

describe('the sandbox object store', () => {
  it('lists a type in one namespace or in all, sorted by namespace then name, and forgets what is deleted', () => {
    const store = new ObjectStore();
    for (const [ns, name] of [
      ['b', 'two'],
      ['a', 'zed'],
      ['b', 'one'],
      ['a', 'alpha'],
    ] as const)
      store.create(T.configMap, cm(ns, name));
    store.create(T.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });

    expect(store.list(T.configMap, 'b').map((o) => o.metadata.name)).toEqual(['one', 'two']);
    expect(store.list(T.configMap).map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'a/alpha',
      'a/zed',
      'b/one',
      'b/two',
    ]);
    expect(store.list(T.secret, 'a')).toEqual([]);
    expect(store.list(T.namespace).map((o) => o.metadata.name)).toEqual(['a']);

    store.delete(T.configMap, 'b', 'one');
    store.delete(T.configMap, 'b', 'two');
    expect(store.list(T.configMap, 'b')).toEqual([]);
    expect(store.list(T.configMap).map((o) => o.metadata.name)).toEqual(['alpha', 'zed']);
    // A name freed by a delete can be created again.
    expect(store.create(T.configMap, cm('b', 'one')).metadata.name).toBe('one');
  });

  it('copies only what the filter keeps, and copies cannot change what is stored', () => {
    const store = new ObjectStore();
    store.create(T.configMap, cm('a', 'keep', { mode: 'on' }));
    store.create(T.configMap, cm('a', 'skip', { mode: 'off' }));
    const seen: string[] = [];
    const kept = store.list(T.configMap, 'a', (o) => {
      seen.push(o.metadata.name);
      return (o.data as Record<string, string>).mode === 'on';
    });
    expect(seen.sort()).toEqual(['keep', 'skip']);
    expect(kept.map((o) => o.metadata.name)).toEqual(['keep']);

    (kept[0]!.data as Record<string, string>).mode = 'changed by a caller';
    kept[0]!.metadata.labels = { stolen: 'yes' };
    const again = store.get(T.configMap, 'a', 'keep')!;
    expect(again.data).toEqual({ mode: 'on' });
    expect(again.metadata.labels).toBeUndefined();
    expect(store.peek(T.configMap, 'a', 'keep')!.data).toEqual({ mode: 'on' });
  });

  it('garbage-collects what a deleted owner controlled, on one pass, leaving the rest', () => {
    const state = new ClusterState();
    const owner = state.store.create(T.configMap, cm('a', 'owner'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid!, controller: true };
    for (const name of ['child-1', 'child-2'])
      state.store.create(T.configMap, { ...cm('a', name), metadata: { name, namespace: 'a', ownerReferences: [ref] } });
    state.store.create(T.configMap, cm('a', 'bystander'));

    reconcileOnce(state);
    expect(state.store.list(T.configMap, 'a').map((o) => o.metadata.name)).toEqual([
      'bystander',
      'child-1',
      'child-2',
      'owner',
    ]);
    state.store.delete(T.configMap, 'a', 'owner');
    reconcileOnce(state);
    expect(state.store.list(T.configMap, 'a').map((o) => o.metadata.name)).toEqual(['bystander']);
  });
});
