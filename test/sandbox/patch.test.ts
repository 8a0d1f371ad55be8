import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/sandbox/object-store.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../src/sandbox/patch.ts';

describe('patches', () => {
  const deploy = {
    spec: {
      template: {
        metadata: { annotations: { a: '1' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'envoy:1' },
          ],
        },
      },
    },
  };

  it('strategic merge merges containers and env by name, keeping the rest', () => {
    const out = strategicMergePatch(deploy, {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'B', value: '3' }] }] } } },
    });
    const [app, sidecar] = out.spec.template.spec.containers;
    expect(app.image).toBe('app:2');
    expect(app.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
    ]);
    expect(sidecar).toEqual({ name: 'sidecar', image: 'envoy:1' });
  });

  it('strategic merge honours $patch: delete in a keyed list and null to remove a key', () => {
    const out = strategicMergePatch(deploy, {
      spec: {
        template: {
          metadata: { annotations: { a: null } },
          spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] },
        },
      },
    });
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app']);
    expect(out.spec.template.metadata.annotations).toEqual({});
  });

  it('merge patch replaces lists wholesale (RFC 7386)', () => {
    const out = mergePatch(deploy, { spec: { template: { spec: { containers: [{ name: 'only' }] } } } });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'only' }]);
  });

  it('json patch applies ops in order and a failed test is a 422 that changes nothing', () => {
    const doc = { metadata: { generation: 2 }, spec: { replicas: 1 } };
    expect(
      jsonPatch(doc, [
        { op: 'test', path: '/metadata/generation', value: 2 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ]).spec.replicas,
    ).toBe(3);
    try {
      jsonPatch(doc, [
        { op: 'test', path: '/metadata/generation', value: 1 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ]);
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).code).toBe(422);
    }
    expect(doc.spec.replicas).toBe(1);
  });
});
