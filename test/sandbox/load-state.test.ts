import { describe, expect, it } from 'vitest';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { loadState } from '../../src/sandbox/load-state.ts';

describe('loading a state file', () => {
  it('loads `kubectl get -o yaml` List dumps, skips kinds it does not serve with a warning, and adds a node', () => {
    const state = new ClusterState();
    const result = loadState(
      state,
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - apiVersion: v1',
        '    kind: ConfigMap',
        '    metadata: { name: app-config, namespace: web, resourceVersion: "123", uid: 6f1c0c1e-0000-4000-8000-000000000001 }',
        '    data: { LEVEL: info }',
        '---',
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: { name: guestbook, namespace: argocd }',
      ].join('\n'),
    );
    expect(result.objects).toBe(1);
    expect(result.warnings[0]).toContain('argoproj.io/v1alpha1/Application');
    const cm = state.store.get(T.configMap, 'web', 'app-config')!;
    expect(cm.metadata.uid).toBe('6f1c0c1e-0000-4000-8000-000000000001');
    expect(cm.metadata.resourceVersion).not.toBe('123');
    expect(state.store.get(T.namespace, undefined, 'web')).toBeDefined();
    expect(state.store.list(T.node)).toHaveLength(1);
  });

  it('leaves pod status to the kubelet, keeping only when the pod started', () => {
    const state = new ClusterState();
    loadState(
      state,
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: default }\nspec: { containers: [{ name: c, image: x }] }\nstatus: { phase: Running, startTime: "2026-11-28T00:00:00Z", containerStatuses: [{ name: c, restartCount: 99 }] }\n',
    );
    expect(state.store.get(T.pod, 'default', 'p')!.status).toEqual({ startTime: '2026-11-28T00:00:00Z' });
  });

  it('rejects a malformed SandboxImage with a message naming the field', () => {
    expect(() =>
      loadState(
        new ClusterState(),
        'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxImage\nimage: x\nbehaviour: { exitCode: "one" }\n',
      ),
    ).toThrow(/behaviour.exitCode must be a number/);
    expect(() => loadState(new ClusterState(), 'a: [unclosed')).toThrow(/state file/);
  });
});
