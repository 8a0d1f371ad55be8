import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';

const NODES = join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'nodes.yaml');

describe('claw maintain: a node maintenance plan approved once, run and verified step by step', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-maintain-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0APPROVER1, U0APPROVER2]\n');
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.skipIf(!KUBECTL)(
    'cordons, drains, waits for the upgraded kubelet and uncordons each node in turn, reporting every step',
    async () => {
      const kenv = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'kcache') };
      const env = { ...kenv, CLAW_DATA_DIR: join(dir, 'data'), CLAW_CONFIG: join(dir, 'claw.yaml') };
      const sandbox = await startSandboxProcess(NODES, kenv.KUBECONFIG);
      try {
        await new Promise((r) => setTimeout(r, 1500));
        const bad = await run(['maintain', 'node-a', '--kubelet', '1.32'], env);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/not a kubelet version like v1\.32\.3/);

        const asked = await run(['maintain', 'node-a', 'node-b', '--kubelet', 'v1.32.3', '--json'], env);
        expect(asked.code, asked.stderr).toBe(0);
        const [p] = JSON.parse(asked.stdout).proposals;
        expect(p).toMatchObject({ action: 'node_maintenance', risk: 'high', target: { kind: 'Node', name: 'node-a' } });
        // The card lists every step, in order.
        const steps = p.dryRun.diff.split('\n').slice(1);
        expect(steps).toEqual([
          '1/2 node-a: cordon',
          expect.stringMatching(
            /^1\/2 node-a: drain — evict every pod but DaemonSet and mirror pods through the Eviction API/,
          ),
          '1/2 node-a: wait until it reports kubelet v1.32.3 and Ready (at most 1800s)',
          '1/2 node-a: uncordon, and check it is Ready and schedulable',
          '2/2 node-b: cordon',
          expect.stringMatching(/^2\/2 node-b: drain/),
          '2/2 node-b: wait until it reports kubelet v1.32.3 and Ready (at most 1800s)',
          '2/2 node-b: uncordon, and check it is Ready and schedulable',
        ]);

        expect((await run(['approve', p.id, '--as', 'U0APPROVER1'], env)).code).toBe(0);
        const done = await run(['approve', p.id, '--as', 'U0APPROVER2'], env);
        expect(done.code, done.stderr).toBe(0);
        expect(done.stdout).toMatch(/all 2 node\(s\) maintained one at a time and back in service: node-a, node-b/);
        // Step by step, in order: node-a done before node-b starts.
        const progress = done.stderr.split('\n').filter((l) => /^▸ [12]\/2/.test(l));
        const at = (s: string) => progress.findIndex((l) => l.includes(s));
        expect(at('1/2 node-a: cordoning')).toBeGreaterThanOrEqual(0);
        expect(at('1/2 node-a: reports kubelet v1.32.3 and Ready')).toBeGreaterThan(at('1/2 node-a: drained'));
        expect(at('2/2 node-b: cordoning')).toBeGreaterThan(at('1/2 node-a: done — back in service'));
        const nodes = kubectl(
          [
            'get',
            'nodes',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion}:{.spec.unschedulable}{"\\n"}{end}',
          ],
          kenv,
        );
        // Upgraded and schedulable again (`false` or absent); node-c untouched.
        expect(
          nodes.out
            .trim()
            .replace(/:false/g, ':')
            .split('\n'),
        ).toEqual(['node-a=v1.32.3:', 'node-b=v1.32.3:', 'node-c=v1.31.4:']);
      } finally {
        await sandbox.stop();
      }
    },
    180_000,
  );
});
