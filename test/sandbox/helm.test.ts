import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { run } from '../helpers/cli.ts';
import { HELM, helmAsync, KUBECTL } from '../helpers/kubectl.ts';
import { TEST_SIGNING_KEY } from '../helpers/test-db.ts';

const CHART = join(import.meta.dirname, '..', 'fixtures', 'charts', 'web');

/**
 * The real helm 3 against the sandbox: it stores each release revision as a Secret, sent as
 * protobuf (create, update, delete with protobuf DeleteOptions) and found by label selector, and
 * applies the chart's objects as JSON. Without helm on PATH (.ci/run installs it) it is skipped
 * outside CI.
 */
describe.skipIf((!HELM || !KUBECTL) && !process.env.CI)(
  'sandbox: the real helm install, upgrade, rollback, history, uninstall',
  () => {
    let sandbox: Sandbox;
    let dir: string;
    let env: Record<string, string>;
    const helm = (...args: string[]) => helmAsync([...args, '-n', 'shop'], env);
    const replicas = () => sandbox.state.store.get(T.deployment, 'shop', 'shop-web')?.spec?.replicas;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'claw-helm-'));
      sandbox = await startSandbox({
        stateYaml: await readFile(DEMO_SEED, 'utf8'),
        kubeconfigPath: join(dir, 'kubeconfig'),
      });
      env = {
        KUBECONFIG: join(dir, 'kubeconfig'),
        HELM_CACHE_HOME: join(dir, 'cache'),
        HELM_CONFIG_HOME: join(dir, 'config'),
        HELM_DATA_HOME: join(dir, 'data'),
      };
    });
    afterAll(async () => {
      await sandbox?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('installs and waits for the Deployment to be ready; the release is a protobuf Secret', async () => {
      const installed = await helm('install', 'shop', CHART, '--wait', '--timeout', '60s');
      expect(installed.code, installed.out).toBe(0);
      expect(installed.out).toContain('STATUS: deployed');
      expect(replicas()).toBe(2);
      const stored = sandbox.journal.find((j) => j.method === 'POST' && j.path === '/api/v1/namespaces/shop/secrets');
      expect(stored?.contentType).toBe('application/vnd.kubernetes.protobuf');
      const release = sandbox.state.store.get(T.secret, 'shop', 'sh.helm.release.v1.shop.v1');
      expect(release).toMatchObject({
        type: 'helm.sh/release.v1',
        metadata: { labels: { owner: 'helm', status: 'deployed' } },
      });
      expect((await helm('list')).out).toMatch(/shop\s+shop\s+1\s+.*deployed\s+web-0\.1\.0/);
    });

    it('upgrades, rolls back to revision 1, and the history says so', async () => {
      const upgraded = await helm('upgrade', 'shop', CHART, '--set', 'replicas=3');
      expect(upgraded.code, upgraded.out).toBe(0);
      expect(replicas()).toBe(3);
      const rolled = await helm('rollback', 'shop', '1');
      expect(rolled.code, rolled.out).toBe(0);
      expect(replicas()).toBe(2);
      const history = (await helm('history', 'shop')).out;
      expect(history).toMatch(/1\s+.*superseded\s+web-0\.1\.0.*Install complete/);
      expect(history).toMatch(/2\s+.*superseded\s+web-0\.1\.0.*Upgrade complete/);
      expect(history).toMatch(/3\s+.*deployed\s+web-0\.1\.0.*Rollback to 1/);
    });

    it('a failed upgrade (--wait gives up on an image that does not exist): claw investigate explains it', async () => {
      const failed = await helm('upgrade', 'shop', CHART, '--set', 'image=nginx:1.99', '--wait', '--timeout', '4s');
      expect(failed.code).not.toBe(0);
      expect(failed.out).toContain('context deadline exceeded');
      expect((await helm('history', 'shop')).out).toMatch(
        /4\s+.*failed\s+web-0\.1\.0.*Upgrade "shop" failed: context deadline exceeded/,
      );
      const r = await run(['investigate', '-n', 'shop', 'shop-web broke after the upgrade', '--json'], {
        KUBECONFIG: env.KUBECONFIG,
        CLAW_DATA_DIR: join(dir, 'claw'),
        CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      });
      expect(r.code, r.stderr).not.toBe(null);
      const report = JSON.parse(r.stdout) as { findings: { category: string; summary: string; evidence: string[] }[] };
      const helmFinding = report.findings.find((f) => f.category === 'helm_release_failed');
      expect(helmFinding?.summary).toBe(
        'Helm release shop revision 4 (web-0.1.0) failed: Upgrade "shop" failed: context deadline exceeded; revision 3 (web-0.1.0) is still deployed',
      );
      expect(helmFinding?.evidence).toEqual(
        expect.arrayContaining([
          'Values changed: image: (unset) → nginx:1.99',
          'Manifest changed: Deployment/shop-web: image nginx:1.27 → nginx:1.99',
        ]),
      );
      // The workload's own finding names the release that applied it.
      expect(report.findings[0]?.category).toBe('image_pull');
    }, 60_000);

    it('uninstalls: the objects and every revision Secret are gone', async () => {
      const gone = await helm('uninstall', 'shop');
      expect(gone.code, gone.out).toBe(0);
      expect(sandbox.state.store.get(T.deployment, 'shop', 'shop-web')).toBeUndefined();
      expect(sandbox.state.store.list(T.secret, 'shop').filter((s) => s.metadata.labels?.owner === 'helm')).toEqual([]);
      expect((await helm('list')).out.trim().split('\n')).toHaveLength(1);
    });
  },
);
