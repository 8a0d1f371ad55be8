import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startSandboxProcess } from '../helpers/cli.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';
import { KUBECTL, kubectl } from '../helpers/kubectl.ts';

/** A namespace that enforces restricted: Pod Security Admission refuses any pod that breaks it. */
const STATE = `
apiVersion: v1
kind: Namespace
metadata:
  name: secure
  labels: { pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/warn: restricted }
`;
const ASK = 'ledger from registry.example.com/pay/ledger:1.4.0 on port 9090 with 2 replicas';

describe('claw generate against a `claw sandbox` process whose namespace enforces restricted', () => {
  let dir: string;
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>>;
  let kenv: Record<string, string>;
  let env: Record<string, string>;
  let repo: ReturnType<typeof bareRepo>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-generate-'));
    await writeFile(join(dir, 'state.yaml'), STATE);
    // CI a platform team might run on manifests: no pod template without runAsNonRoot.
    repo = bareRepo({
      'ci.sh':
        'for f in $(grep -rl "^kind: Deployment" deploy); do grep -q "runAsNonRoot: true" "$f" || exit 1; done; echo "ci: manifests ok"\n',
      'deploy/README.md': 'manifests\n',
    });
    await writeFile(
      join(dir, 'claw.yaml'),
      `approvals:\n  approvers: [U0APPROVER1]\nrepos:\n  platform:\n    url: ${repo.config.url}\n    branch: main\n    ci: sh ci.sh\n    manifests: ["deploy/**"]\n    delivery: push\n`,
    );
    kenv = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'kcache') };
    env = { ...kenv, CLAW_DATA_DIR: join(dir, 'data'), CLAW_CONFIG: join(dir, 'claw.yaml') };
    sandbox = await startSandboxProcess(join(dir, 'state.yaml'), join(dir, 'kubeconfig'));
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
    if (repo) await rm(repo.root, { recursive: true, force: true });
  }, 120_000);

  it.skipIf(!KUBECTL)(
    'prints manifests the API server accepts in that namespace, where a plain pod is refused',
    async () => {
      const plain = kubectl(['run', 'plain', '-n', 'secure', '--image=registry.example.com/pay/ledger:1.4.0'], kenv);
      expect(plain.code).not.toBe(0);
      expect(plain.out).toContain('violates PodSecurity "restricted:latest"');

      const out = await run(['generate', ASK, '-n', 'secure'], env);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toMatch(
        /validated on sandbox-\d+-[0-9a-f]+: 7 server dry-runs accepted, 13 production checks pass; policy: 1 approval/,
      );
      await writeFile(join(dir, 'ledger.yaml'), out.stdout);
      const dry = kubectl(['apply', '--dry-run=server', '-f', join(dir, 'ledger.yaml')], kenv);
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toContain('deployment.apps/ledger created (server dry run)');
      expect(dry.out).not.toContain('Warning');

      const json = JSON.parse((await run(['generate', ASK, '-n', 'secure', '--json'], env)).stdout);
      expect(json.ok).toBe(true);
      expect(json.dryRun.map((d: { object: string }) => d.object)).toContain(
        'Pod secure/ledger-admission-check (from the pod template)',
      );
    },
    120_000,
  );

  it.skipIf(!KUBECTL)(
    'says in one line what it will not generate, and fails validation where the cluster would refuse',
    async () => {
      const latest = await run(['generate', 'web from nginx:latest', '-n', 'secure'], env);
      expect(latest.code).toBe(1);
      expect(latest.stderr.trim().split('\n')).toHaveLength(1);
      expect(latest.stderr).toContain('pin the image to a version');
      const nowhere = await run(['generate', ASK, '-n', 'nowhere'], env);
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toMatch(/NOT valid .*namespaces? "?nowhere"? not found/);
    },
    120_000,
  );

  it.skipIf(!KUBECTL)(
    '--propose: one apply proposal for the bundle, executed once approved, and the pods run',
    async () => {
      const out = await run(['generate', ASK, '-n', 'secure', '--propose', '--json'], env);
      expect(out.code, out.stderr).toBe(0);
      const report = JSON.parse(out.stdout);
      expect(report.run.status).toBe('awaiting_approval');
      const [p] = report.proposals;
      expect(p).toMatchObject({ action: 'apply_manifest', status: 'pending', risk: 'medium', dryRun: { ok: true } });
      expect(p.summary).toContain(
        'Apply 6 objects by server-side apply: create ServiceAccount secure/ledger, Deployment secure/ledger',
      );
      expect(p.request).toContain('kind: NetworkPolicy');
      const approved = await run(['approve', p.id, '--as', 'U0APPROVER1'], env);
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toContain('successfully rolled out');
      const status = kubectl(['rollout', 'status', 'deployment/ledger', '-n', 'secure', '--timeout=20s'], kenv);
      expect(status.code, status.out).toBe(0);
      const pods = kubectl(['get', 'pods', '-n', 'secure', '-l', 'app.kubernetes.io/name=ledger', '-o', 'name'], kenv);
      expect(pods.out.trim().split('\n')).toHaveLength(2);
    },
    120_000,
  );

  it.skipIf(!KUBECTL)(
    '--repo: the bundle as files under the manifests folder, through CI, pushed once approved',
    async () => {
      const out = await run(
        [
          'generate',
          'billing from registry.example.com/pay/billing:3.0.2 port 8080',
          '-n',
          'secure',
          '--repo',
          'platform',
          '--json',
        ],
        env,
      );
      expect(out.code, out.stderr).toBe(0);
      const report = JSON.parse(out.stdout);
      const [p] = report.proposals;
      expect(p).toMatchObject({ action: 'git_change', status: 'pending' });
      expect(JSON.stringify(p)).toContain('deploy/billing/deployment.yaml');
      const approved = await run(['approve', p.id, '--as', 'U0APPROVER1'], env);
      expect(approved.code, approved.stderr).toBe(0);
      const files = git(repo.root, '--git-dir', repo.bare, 'ls-tree', '-r', '--name-only', 'main');
      expect(files.split('\n')).toEqual(
        expect.arrayContaining([
          'deploy/billing/deployment.yaml',
          'deploy/billing/networkpolicy.yaml',
          'deploy/billing/serviceaccount.yaml',
        ]),
      );
      const deployment = git(repo.root, '--git-dir', repo.bare, 'show', 'main:deploy/billing/deployment.yaml');
      expect(deployment).toContain('readOnlyRootFilesystem: true');
    },
    120_000,
  );
});
