import { describe, expect, it } from 'vitest';
import { clone } from '../../src/lib/kube-object.ts';

describe('clone', () => {
  it('copies plain JSON deeply: nothing of the copy is shared with the original', () => {
    const original = {
      metadata: { name: 'cart', labels: { app: 'cart' }, missing: undefined },
      spec: { containers: [{ name: 'cart', ports: [{ containerPort: 8080 }], args: ['--a', null] }] },
      status: { replicas: 0, ready: false },
    };
    const copy = clone(original);
    expect(copy).toEqual(original);
    expect('missing' in copy.metadata).toBe(true);
    copy.metadata.labels.app = 'changed';
    copy.spec.containers[0]!.ports[0]!.containerPort = 1;
    copy.spec.containers.push({ name: 'extra', ports: [], args: [] });
    expect(original.metadata.labels.app).toBe('cart');
    expect(original.spec.containers).toHaveLength(1);
    expect(original.spec.containers[0]!.ports[0]!.containerPort).toBe(8080);
  });

  it('keeps what is not plain JSON what it was (dates, maps, buffers), copied too', () => {
    const at = new Date('2026-12-06T00:00:00Z');
    const copy = clone({ at, seen: new Map([['a', 1]]), raw: new Uint8Array([1, 2]) });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.at).not.toBe(at);
    expect(copy.seen.get('a')).toBe(1);
    expect([...copy.raw]).toEqual([1, 2]);
  });
});
