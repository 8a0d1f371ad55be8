import { describe, expect, it } from 'vitest';
import type { FactsOf } from '../../src/analyzers/problem-facts.ts';
import type { Problem } from '../../src/analyzers/snapshot.ts';
import { chooseRemediation } from '../../src/workers/runbooks/remediation.ts';

const problem = <C extends Problem['category']>(
  category: C,
  facts: FactsOf<C>,
  object: Problem['object'] = { kind: 'Deployment', namespace: 'shop', name: 'cart' },
): Problem => ({ category, severity: 3, object, summary: '', evidence: [], facts }) as Problem;

describe('choosing the remediation', () => {
  const newRevision = { failureIsNewRevision: true, currentRevision: 2, previousRevision: 1, previousAvailable: 2 };

  it('rolls back only when the failure came with the current revision and an older one was healthy', () => {
    expect(chooseRemediation(problem('crash_loop', newRevision))).toMatchObject({
      tool: 'rollout_undo',
      input: { toRevision: 1 },
    });
    expect(chooseRemediation(problem('crash_loop', { ...newRevision, failureIsNewRevision: false }))).toMatchObject({
      tool: 'rollout_restart',
    });
    expect(chooseRemediation(problem('image_pull', { failureIsNewRevision: false, image: 'x:1' }))).toMatchObject({
      escalate: expect.stringContaining('x:1'),
    });
    expect(chooseRemediation(problem('config_missing', newRevision))).toMatchObject({ tool: 'rollout_undo' });
  });

  it('rolls back a revision that cannot start to the last one that ran, saying what is not known about it', () => {
    // Recreate scaled revision 1 to zero before revision 2 failed to pull its image.
    const recreate = {
      failureIsNewRevision: false,
      onlyNewFails: true,
      currentRevision: 2,
      previousRevision: 1,
      previousAvailable: 0,
      rolloutDone: true,
      strategy: 'Recreate',
      image: 'shop/cart:1.5.0',
    };
    for (const category of ['image_pull', 'crash_loop', 'config_missing'] as const) {
      const r = chooseRemediation(problem(category, recreate));
      expect(r, category).toMatchObject({ tool: 'rollout_undo', input: { toRevision: 1 } });
      expect((r as { why: string }).why).toMatch(
        /revision 1 is the last one that ran.*Recreate.*its health is not known/,
      );
    }
    // Old pods failing too: the previous revision is no way back.
    expect(chooseRemediation(problem('image_pull', { ...recreate, onlyNewFails: false }))).toHaveProperty('escalate');
  });

  it.each([
    [
      'a Go panic',
      'Previous container log: "panic: runtime error: invalid memory address or nil pointer dereference"',
      'escalate',
    ],
    ['a missing file', 'Previous container log: "open /etc/app/config.yaml: no such file or directory"', 'escalate'],
    ['a missing setting', 'Previous container log: "DATABASE_URL must be set"', 'escalate'],
    [
      'a dependency refusing connections',
      'Previous container log: "dial tcp 10.0.0.5:5432: connect: connection refused"',
      'rollout_restart',
    ],
    [
      'a panic after a timeout',
      'Previous container log: "i/o timeout" / "panic: cannot reach redis"',
      'rollout_restart',
    ],
    ['no logs at all', 'Last state: Terminated (Error, exit code 1)', 'rollout_restart'],
  ])('judges a crash loop with no way back by its logs: %s', (_name, evidence, expected) => {
    const r = chooseRemediation(problem('crash_loop', { currentRevision: 1 }), { evidence: [evidence] });
    if (expected === 'escalate')
      expect((r as { escalate: string }).escalate).toMatch(
        /fails the same way at every start \(.+\): a restart will not help/,
      );
    else expect(r).toMatchObject({ tool: expected });
  });

  it('doubles the memory limit of an OOMKilled container, and escalates when there is no limit', () => {
    expect(chooseRemediation(problem('oom_killed', { container: 'cart', limits: { memory: '256Mi' } }))).toMatchObject({
      tool: 'set_resources',
      input: { container: 'cart', limits: { memory: '512Mi' } },
    });
    expect(chooseRemediation(problem('oom_killed', { container: 'cart', limits: { memory: '1Gi' } }))).toMatchObject({
      input: { limits: { memory: '2Gi' } },
    });
    expect(chooseRemediation(problem('oom_killed', { container: 'cart', limits: {} }))).toHaveProperty('escalate');
  });

  it('patches a Service selector to the closest pod labels, removing keys the pods do not have', () => {
    const r = chooseRemediation(
      problem(
        'service_no_endpoints',
        { selector: { app: 'kart', tier: 'web' }, suggested: { app: 'cart' } },
        { kind: 'Service', namespace: 'shop', name: 'cart' },
      ),
    );
    expect(r).toMatchObject({
      tool: 'patch',
      input: { kind: 'Service', patchType: 'merge', patch: { spec: { selector: { app: 'cart', tier: null } } } },
    });
  });

  it('uncordons a Ready cordoned node when cordoning is why pods cannot schedule', () => {
    const f = { nodesTotal: 2, nodesCordoned: 2, cordonedReadyNodes: ['b'] };
    expect(chooseRemediation(problem('unschedulable_placement', f))).toMatchObject({
      tool: 'uncordon',
      input: { node: 'b' },
    });
    expect(chooseRemediation(problem('unschedulable_placement', { ...f, cordonedReadyNodes: [] }))).toHaveProperty(
      'escalate',
    );
  });

  it('points a probe at the only declared port, and drains a NotReady node with stranded pods', () => {
    const workload = {
      containers: [
        {
          name: 'api',
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: 'http /healthz port 8081, delay 0s, every 5s, 3 failures',
        },
      ],
    };
    expect(chooseRemediation(problem('probe_failure', { container: 'api' }), { workload })).toMatchObject({
      tool: 'patch',
      input: {
        patch: {
          spec: { template: { spec: { containers: [{ name: 'api', readinessProbe: { httpGet: { port: 8080 } } }] } } },
        },
      },
    });
    expect(
      chooseRemediation(
        problem('node_not_ready', { node: 'n1', stranded: 3, cordoned: false }, { kind: 'Node', name: 'n1' }),
      ),
    ).toMatchObject({
      tool: 'drain',
      input: { node: 'n1' },
    });
    expect(chooseRemediation(problem('job_failed', {}))).toHaveProperty('escalate');
  });

  it('doubles a throttled CPU limit and a filling, expandable claim; escalates a claim that cannot grow', () => {
    expect(
      chooseRemediation(
        problem('cpu_throttling', {
          pod: 'api-0',
          container: 'api',
          limits: { cpu: '500m' },
          requests: {},
          usedMillis: 500,
        }),
      ),
    ).toMatchObject({ tool: 'set_resources', input: { limits: { cpu: '1' } } });
    const pvc = { kind: 'PersistentVolumeClaim', namespace: 'data', name: 'data-postgres-0' };
    expect(
      chooseRemediation(
        problem(
          'volume_filling',
          { capacity: '10Gi', expandable: true, capacityBytes: 10 * 2 ** 30, usedBytes: 9.8 * 2 ** 30 },
          pvc,
        ),
      ),
    ).toMatchObject({ tool: 'expand_pvc', input: { size: '20Gi', name: 'data-postgres-0' } });
    expect(
      chooseRemediation(
        problem('volume_filling', { capacity: '1', expandable: false, capacityBytes: 1, usedBytes: 1 }, pvc),
      ),
    ).toHaveProperty('escalate');
  });
  it('a Service whose workload is scaled to zero escalates: how many replicas it needs is a human call', () => {
    const svc = { kind: 'Service', namespace: 'shop', name: 'web' };
    expect(
      chooseRemediation(
        problem(
          'service_no_endpoints',
          { selector: { app: 'web' }, scaledToZero: { kind: 'Deployment', name: 'web' } },
          svc,
        ),
      ),
    ).toEqual({
      escalate: "Deployment web is scaled to 0 replicas: scale it back up (how many it needs is a human's call)",
    });
  });

  it('a Helm release goes back as a release: helm_rollback, unless Flux manages it or nothing is deployed', () => {
    const release = { kind: 'HelmRelease', namespace: 'store', name: 'web' };
    const failed = { release: 'web', namespace: 'store', revision: 2, status: 'failed', chart: 'web-0.1.0' };
    expect(
      chooseRemediation(problem('helm_release_failed', { ...failed, deployedRevision: 1 }, release)),
    ).toMatchObject({
      tool: 'helm_rollback',
      input: { namespace: 'store', release: 'web', revision: 1 },
    });
    expect(
      chooseRemediation(
        problem('helm_release_failed', { ...failed, deployedRevision: 1, fluxHelmRelease: 'flux-system/web' }, release),
      ),
    ).toMatchObject({ escalate: expect.stringContaining('fix its values or chart in Git') });
    expect(
      chooseRemediation(problem('helm_release_failed', { ...failed, status: 'pending-upgrade' }, release)),
    ).toMatchObject({ escalate: expect.stringContaining('pending-upgrade') });
    // The release's Deployment broke with its newest revision: the release, not the Deployment, goes back.
    const owned = {
      ...problem('image_pull', { ...newRevision, image: 'nginx:1.99' }),
      owner: { kind: 'HelmChart' as const, name: 'web', namespace: 'shop' },
    } as Problem;
    expect(chooseRemediation(owned)).toMatchObject({
      tool: 'helm_rollback',
      input: { namespace: 'shop', release: 'web' },
      why: expect.stringContaining('it belongs to Helm release web, so the release is rolled back'),
    });
  });
});
