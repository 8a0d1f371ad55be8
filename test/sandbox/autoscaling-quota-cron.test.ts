import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

/**
 * Controllers and admission incidents touch, driven with the real kubectl: ResourceQuota refusals
 * with the API server's message and usage in `get quota`, LimitRange defaults, the
 * HorizontalPodAutoscaler scaling on the simulated metrics, and CronJobs creating Jobs on schedule.
 */
describe.skipIf(!KUBECTL)('sandbox: quotas, limit ranges, autoscaling and cron jobs', () => {
  const box = kubectlSandbox({ prefix: 'claw-ctrl-' });
  const { k, apply, until } = box;

  it('refuses a pod over a ResourceQuota with the real message, and shows usage in get quota', async () => {
    await k('create', 'namespace', 'q');
    await k('create', 'quota', 'small', '-n', 'q', '--hard=pods=2,requests.cpu=1');
    const direct = await box.kubectl(['run', 'free', '-n', 'q', '--image=nginx:1.27']);
    expect(direct.code).not.toBe(0);
    expect(direct.out).toContain('pods "free" is forbidden: failed quota: small: must specify requests.cpu');
    await k('create', 'deployment', 'web', '-n', 'q', '--image=nginx:1.27', '--replicas=3');
    await k('set', 'resources', 'deploy/web', '-n', 'q', '--requests=cpu=400m');
    await until(
      ['get', 'events', '-n', 'q', '--field-selector=reason=FailedCreate'],
      /exceeded quota: small, requested: pods=1,requests\.cpu=400m, used: pods=2,requests\.cpu=800m, limited: pods=2,requests\.cpu=1/,
    );
    expect(await until(['get', 'quota', 'small', '-n', 'q'], /pods: 2\/2, requests\.cpu: 800m\/1/)).toMatch(
      /NAME\s+AGE\s+REQUEST\s+LIMIT/,
    );
    expect(await k('describe', 'quota', 'small', '-n', 'q')).toMatch(/requests\.cpu\s+800m\s+1/);
  });

  it('fills LimitRange defaults into containers that leave them out', async () => {
    await k('create', 'namespace', 'lr');
    await apply(`apiVersion: v1
kind: LimitRange
metadata: { name: defaults, namespace: lr }
spec:
  limits:
  - type: Container
    default: { cpu: 500m, memory: 256Mi }
    defaultRequest: { cpu: 100m, memory: 128Mi }
    max: { cpu: "1" }
`);
    await k('run', 'web', '-n', 'lr', '--image=nginx:1.27');
    expect(await k('get', 'pod', 'web', '-n', 'lr', '-o', 'jsonpath={.spec.containers[0].resources}')).toBe(
      '{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}',
    );
    const big = await box.kubectl([
      'run',
      'big',
      '-n',
      'lr',
      '--image=nginx:1.27',
      '--overrides={"spec":{"containers":[{"name":"big","image":"nginx:1.27","resources":{"limits":{"cpu":"2"}}}]}}',
    ]);
    expect(big.out).toContain('maximum cpu usage per Container is 1, but limit is 2');
  });

  it('scales a Deployment up on CPU load and back down after the stabilization window', async () => {
    await k('create', 'namespace', 'hpa');
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: busy, namespace: hpa }
spec:
  replicas: 1
  selector: { matchLabels: { app: busy } }
  template:
    metadata: { labels: { app: busy } }
    spec:
      containers:
      - name: load
        image: polinux/stress
        command: [stress, --cpu, "1"]
        resources: { requests: { cpu: 200m }, limits: { cpu: 400m } }
`);
    await k('rollout', 'status', 'deploy/busy', '-n', 'hpa', '--timeout=20s');
    await k('autoscale', 'deploy/busy', '-n', 'hpa', '--min=1', '--max=4', '--cpu-percent=50');
    // 400m used of 200m requested is 200%: four times the target, capped at max.
    await until(['get', 'hpa', 'busy', '-n', 'hpa', '-o', 'jsonpath={.status.desiredReplicas}'], /^4$/, 15);
    expect(await k('get', 'hpa', 'busy', '-n', 'hpa')).toMatch(/cpu: 200%\/50%\s+1\s+4/);
    expect(await k('get', 'deploy', 'busy', '-n', 'hpa', '-o', 'jsonpath={.spec.replicas}')).toBe('4');
    expect(await k('describe', 'hpa', 'busy', '-n', 'hpa')).toContain(
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
    );
    // The load stops: scale-down waits out the five-minute window, then goes to the minimum.
    await k(
      'patch',
      'deploy/busy',
      '-n',
      'hpa',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sleep","infinity"]}]',
    );
    await k('rollout', 'status', 'deploy/busy', '-n', 'hpa', '--timeout=30s');
    await until(['get', 'deploy', 'busy', '-n', 'hpa', '-o', 'jsonpath={.spec.replicas}'], /^1$/, 30);
    expect(await k('get', 'events', '-n', 'hpa', '--field-selector=reason=SuccessfulRescale')).toContain(
      'New size: 1; reason: All metrics below target',
    );
  });

  it('runs a CronJob on its schedule and keeps only its history limit of Jobs', async () => {
    await k('create', 'namespace', 'cron');
    await k(
      'create',
      'cronjob',
      'tick',
      '-n',
      'cron',
      '--image=busybox:1.36',
      '--schedule=*/1 * * * *',
      '--',
      'sh',
      '-c',
      'echo tick',
    );
    await k('patch', 'cronjob/tick', '-n', 'cron', '-p', '{"spec":{"successfulJobsHistoryLimit":2}}');
    const jobs = await until(['get', 'jobs', '-n', 'cron', '-o', 'name'], /(job.batch\/tick-\d+\n){2}/, 60);
    expect(jobs).toMatch(/^job\.batch\/tick-\d+$/m);
    await until(['get', 'cronjob', 'tick', '-n', 'cron', '-o', 'jsonpath={.status.lastSuccessfulTime}'], /Z$/, 5);
    for (let i = 0; i < 4; i++) {
      box.sandbox.state.clockOffsetMs += 60_000;
      await new Promise((r) => setTimeout(r, 300));
    }
    await until(['get', 'jobs', '-n', 'cron', '-o', 'name'], /^(job\.batch\/tick-\d+\n){2,3}$/, 0);
    expect(await k('get', 'events', '-n', 'cron', '--field-selector=reason=SuccessfulDelete')).toContain(
      'Deleted job tick-',
    );
    // Suspended, it schedules nothing more, so the newest Job stays to be read.
    await k('patch', 'cronjob/tick', '-n', 'cron', '-p', '{"spec":{"suspend":true}}');
    const newest = (await k('get', 'jobs', '-n', 'cron', '-o', 'name')).trim().split('\n').pop()!;
    await until(['get', newest, '-n', 'cron', '-o', 'jsonpath={.status.succeeded}'], /^1$/);
    expect(await k('logs', newest, '-n', 'cron')).toBe('tick\n');
  });
});
