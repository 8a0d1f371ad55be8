import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';

const OPENSHIFT = join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'openshift.yaml');
const CAPI = join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'cluster-api.yaml');

describe('claw upgrade against a `claw sandbox` process, checked with the real kubectl', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-upgrade-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals:\n  approvers: [U0APPROVER1, U0APPROVER2]\n');
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const envFor = (name: string) => {
    const kenv = { KUBECONFIG: join(dir, `${name}.kubeconfig`), KUBECACHEDIR: join(dir, 'kcache') };
    return { kenv, env: { ...kenv, CLAW_DATA_DIR: join(dir, `data-${name}`), CLAW_CONFIG: join(dir, 'claw.yaml') } };
  };

  it.skipIf(!KUBECTL)(
    'an OpenShift update: refused when not recommended, proposed with its preflight, approved twice, accepted, followed to Completed',
    async () => {
      const { kenv, env } = envFor('ocp');
      const sandbox = await startSandboxProcess(OPENSHIFT, kenv.KUBECONFIG);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const risky = await run(['upgrade', '--to', '4.18.1'], env);
        expect(risky.stdout).toMatch(
          /4\.18\.1 is a conditional update that is not recommended for this cluster \(ARODNSWrongBootSequence/,
        );
        expect(risky.stdout).not.toMatch(/^proposal /m);

        const asked = await run(['upgrade', '--to', '4.17.14', '--json'], env);
        expect(asked.code, asked.stderr).toBe(0);
        const report = JSON.parse(asked.stdout);
        expect(report.run.status).toBe('awaiting_approval');
        const [p] = report.proposals;
        expect(p).toMatchObject({
          action: 'cluster_upgrade',
          risk: 'high',
          target: { kind: 'ClusterVersion', name: 'version' },
          approvals: { required: 2 },
          dryRun: { ok: true },
        });
        expect(p.summary).toMatch(
          /^Update OpenShift from 4\.17\.10 to 4\.17\.14 \(z-stream update, channel stable-4\.17\); preflight: pool master: 3 node\(s\) reboot one at a time/,
        );
        expect(p.request).toMatch(
          /desiredUpdate:\n\s+version: 4\.17\.14\n\s+image: quay\.io\/openshift-release-dev\/ocp-release@sha256:7aacace5/,
        );

        expect((await run(['approve', p.id, '--as', 'U0APPROVER1'], env)).code).toBe(0);
        const second = await run(['approve', p.id, '--as', 'U0APPROVER2'], env);
        expect(second.code, second.stderr).toBe(0);
        expect(second.stdout).toMatch(/applied .*: the cluster-version operator accepted 4\.17\.14/);
        const shown = JSON.parse((await run(['show', report.run.id, '--json'], env)).stdout);
        expect(shown.run?.status ?? shown.status).toBe('succeeded');
        expect(JSON.stringify(shown)).toContain(
          'Resolved: OpenShift 4.17.14 is installed; every cluster operator reports it',
        );
        const version = kubectl(
          [
            'get',
            'clusterversion',
            'version',
            '-o',
            'jsonpath={.status.history[0].state} {.status.history[0].version}',
          ],
          kenv,
        );
        expect(version.out).toBe('Completed 4.17.14');
      } finally {
        await sandbox.stop();
      }
    },
    180_000,
  );

  it.skipIf(!KUBECTL)(
    'a Cluster API node pool: upgraded to its control plane’s version, followed until every machine runs it',
    async () => {
      const { kenv, env } = envFor('capi');
      const sandbox = await startSandboxProcess(CAPI, kenv.KUBECONFIG);
      try {
        await new Promise((r) => setTimeout(r, 1000));
        const ahead = await run(['upgrade', 'prod-eu-1-md-0', '--to', 'v1.33.0'], env);
        expect(ahead.stdout).toMatch(/skips a minor version|would run 1\.33 kubelets under a v1\.32\.3 control plane/);
        const asked = await run(['upgrade', 'prod-eu-1-md-0', '--to', 'v1.32.3', '--json'], env);
        const [p] = JSON.parse(asked.stdout).proposals;
        expect(p).toMatchObject({
          action: 'node_pool_upgrade',
          target: { kind: 'MachineDeployment', namespace: 'fleet', name: 'prod-eu-1-md-0' },
        });
        expect(p.summary).toBe(
          'Upgrade MachineDeployment fleet/prod-eu-1-md-0 from v1.31.6 to v1.32.3: its 3 machine(s) are replaced one by one (rolling update)',
        );
        await run(['approve', p.id, '--as', 'U0APPROVER1'], env);
        const done = await run(['approve', p.id, '--as', 'U0APPROVER2'], env);
        expect(done.code, done.stderr).toBe(0);
        const md = kubectl(
          [
            'get',
            'md',
            'prod-eu-1-md-0',
            '-n',
            'fleet',
            '-o',
            'jsonpath={.spec.template.spec.version} {.status.phase} {.status.updatedReplicas}',
          ],
          kenv,
        );
        expect(md.out).toBe('v1.32.3 Running 3');
      } finally {
        await sandbox.stop();
      }
    },
    180_000,
  );
});
