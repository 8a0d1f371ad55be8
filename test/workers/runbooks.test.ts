import { describe, expect, it } from 'vitest';
import type { PodSummary } from '../../src/analyzers/pod-health.ts';
import type { RolloutHistory } from '../../src/analyzers/rollout.ts';
import { chooseRemediation } from '../../src/workers/runbooks/crash-loop.ts';
import { failingWorkloads } from '../../src/workers/runbooks/failing-workloads.ts';

const pod = (ns: string, name: string, rs: string, severity: number, restarts = 0): PodSummary => ({
  namespace: ns, name, phase: 'Running', ready: severity ? '0/1' : '1/1', restarts, owner: { kind: 'ReplicaSet', name: rs }, ageSeconds: 60,
  diagnosis: { category: severity ? 'crash_loop' : 'healthy', severity, detail: '' },
});

describe('finding the failing workload', () => {
  it('groups failing pods by Deployment and ignores healthy ones, whatever the question says', () => {
    const pods = [pod('shop', 'cart-6d8f9c7b54-aaaaa', 'cart-6d8f9c7b54', 3, 4), pod('shop', 'catalog-5f7c-bbbbb', 'catalog-5f7c9d8b6a', 0)];
    const c = failingWorkloads(pods, 'is catalog broken?');
    expect(c.map((x) => x.workload.name)).toEqual(['cart']);
    expect(c[0]!.replicaSet).toBe('cart-6d8f9c7b54');
  });

  it('uses the question only to rank between failing workloads', () => {
    const pods = [pod('a', 'api-7d9f8c6b5-xxxxx', 'api-7d9f8c6b5', 3, 1), pod('b', 'ledger-6c8b7d9f4-yyyyy', 'ledger-6c8b7d9f4', 3, 1)];
    expect(failingWorkloads(pods, 'ledger is down')[0]!.workload.name).toBe('ledger');
    expect(failingWorkloads(pods, 'api errors')[0]!.workload.name).toBe('api');
  });
});

describe('choosing the remediation', () => {
  const history = (prevAvailable: number, done: boolean): RolloutHistory => ({
    deployment: 'cart', namespace: 'shop', generation: 2, currentRevision: 2, status: { done, failed: false, message: '' },
    revisions: [
      { revision: 2, replicaSet: 'cart-new', images: ['cart:2'], replicas: 1, ready: 0, available: 0, current: true },
      { revision: 1, replicaSet: 'cart-old', images: ['cart:1'], replicas: prevAvailable, ready: prevAvailable, available: prevAvailable, current: false },
    ],
  });
  const candidate = { workload: { kind: 'Deployment', namespace: 'shop', name: 'cart' }, pods: [pod('shop', 'cart-new-zzzzz', 'cart-new', 3)], score: 0 };

  it('rolls back when only the new revision fails and the previous one serves', () => {
    expect(chooseRemediation(candidate, history(2, false))).toMatchObject({ tool: 'rollout_undo', input: { toRevision: 1 } });
  });

  it('restarts when the previous revision is not known to be healthy', () => {
    expect(chooseRemediation(candidate, history(0, true)).tool).toBe('rollout_restart');
  });

  it('restarts when old-revision pods fail too', () => {
    const both = { ...candidate, pods: [...candidate.pods, pod('shop', 'cart-old-wwwww', 'cart-old', 3)] };
    expect(chooseRemediation(both, history(1, false)).tool).toBe('rollout_restart');
  });
});
