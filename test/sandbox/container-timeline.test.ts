import { describe, expect, it } from 'vitest';
import { quantityToMi } from '../../src/lib/quantity.ts';
import { backOffSeconds, containerTimeline } from '../../src/sandbox/controllers/container-timeline.ts';

const start = new Date('2026-11-28T10:00:00Z');
const at = (s: number) => new Date(start.getTime() + s * 1000);

describe('container timeline (the simulated kubelet)', () => {
  it('backs off 10 s, doubling, capped at five minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(backOffSeconds)).toEqual([10, 20, 40, 80, 160, 300, 300]);
  });

  it('walks a crashing container through exits, back-off and restarts over time', () => {
    const b = { exitCode: 1, startSeconds: 2 };
    expect(containerTimeline(b, undefined, start, at(1)).state).toHaveProperty('running');
    const first = containerTimeline(b, undefined, start, at(3));
    expect(first.state).toEqual({ waiting: expect.objectContaining({ reason: 'CrashLoopBackOff' }) });
    expect(first.lastTermination).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(first.restartCount).toBe(0);
    // after 2 s run + 10 s back-off it runs again, restart 1
    expect(containerTimeline(b, undefined, start, at(13))).toMatchObject({
      restartCount: 1,
      state: { running: expect.anything() },
    });
    // an hour in: many restarts, capped back-off
    const later = containerTimeline(b, undefined, start, at(3600));
    expect(later.restartCount).toBeGreaterThan(10);
    expect(later.restartCount).toBeLessThan(20);
  });

  it('OOMKills a container whose working set exceeds its memory limit', () => {
    const t = containerTimeline({ memoryMi: 300, startSeconds: 1 }, quantityToMi('256Mi'), start, at(5));
    expect(t.lastTermination).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect(containerTimeline({ memoryMi: 300 }, quantityToMi('512Mi'), start, at(5)).state).toHaveProperty('running');
  });

  it('keeps a pull error waiting, ErrImagePull then ImagePullBackOff', () => {
    expect(containerTimeline({ pullError: 'manifest unknown' }, undefined, start, at(1)).state).toEqual({
      waiting: expect.objectContaining({ reason: 'ErrImagePull' }),
    });
    expect(containerTimeline({ pullError: 'manifest unknown' }, undefined, start, at(30)).state).toEqual({
      waiting: expect.objectContaining({ reason: 'ImagePullBackOff' }),
    });
  });

  it('parses memory quantities', () => {
    expect(quantityToMi('1Gi')).toBe(1024);
    expect(quantityToMi('256Mi')).toBe(256);
    expect(quantityToMi(String(128 * 1024 * 1024))).toBe(128);
  });
});
