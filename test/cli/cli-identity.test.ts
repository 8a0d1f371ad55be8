import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { run } from '../helpers/cli.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';

// Two people with their own credentials to one cluster, one shared store: the CLI must be who
// the cluster says its kubeconfig is, not whoever --as names.
const PEOPLE = `
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxUser
name: alice@example.com
groups: [sre]
token: alice-token-0123456789
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxUser
name: bob@example.com
groups: [sre]
token: bob-token-0123456789
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: sre-all }
rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: sre-all }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sre-all }
subjects: [{ kind: Group, name: sre, apiGroup: rbac.authorization.k8s.io }]
`;

const CLAW_YAML = `approvals:
  approvers: [U0ALICE, U0BOB]
  identities:
    U0ALICE: { user: alice@example.com, groups: [sre] }
    U0BOB: { user: bob@example.com, groups: [sre] }
`;

describe.runIf(TEST_DATABASE_URL)('the CLI on a shared store is its Kubernetes identity', () => {
  let dir: string;
  let sandbox: Sandbox;
  let t: TestDb;
  const kubeconfigAs = async (who: string) => {
    const file = join(dir, `${who}.kubeconfig`);
    await writeFile(
      file,
      sandbox.kubeconfig.replace(
        `current-context: ${sandbox.name}`,
        `current-context: ${sandbox.name}-as-${who}-example.com`,
      ),
    );
    return file;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-identity-'));
    sandbox = await startSandbox({
      stateYaml: `${await readFile(DEMO_SEED, 'utf8')}\n---\n${PEOPLE}`,
      tickMs: 50,
      warmupSeconds: 30,
    });
    t = await openTestDb('postgres');
    await writeFile(join(dir, 'claw.yaml'), CLAW_YAML);
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('requests and decides as the mapped approver; --as is refused; self-approval holds across the two', async () => {
    const shared = {
      DATABASE_URL: t.url!,
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      KUBECACHEDIR: join(dir, 'kcache'),
    };
    const alice = { ...shared, KUBECONFIG: await kubeconfigAs('alice') };
    const bob = { ...shared, KUBECONFIG: await kubeconfigAs('bob') };

    const inv = await run(['investigate', '--json', '-n', 'shop'], alice);
    expect(inv.code, inv.stderr).toBe(0);
    const report = JSON.parse(inv.stdout);
    const [proposal] = report.proposals;
    expect(proposal).toMatchObject({ action: 'rollout_undo', status: 'pending' });
    const task = await t.db.selectFrom('tasks').select('requester').executeTakeFirstOrThrow();
    expect(task.requester).toBe('U0ALICE');

    const named = await run(['approve', proposal.id, '--as', 'U0BOB'], alice);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/^claw approve: --as is refused on a shared store \(DATABASE_URL\).*approvals\.cliAs/);
    expect(named.stderr.trim().split('\n')).toHaveLength(1);

    const own = await run(['approve', proposal.id], alice);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain('allowSelfApproval');

    const approved = await run(['approve', proposal.id], bob);
    expect(approved.code, approved.stderr).toBe(0);
    const audit = await t.db
      .selectFrom('audit_log')
      .select(['actor', 'data'])
      .where('action', '=', 'proposal.approve')
      .execute();
    expect(audit).toEqual([
      { actor: 'U0BOB', data: expect.objectContaining({ via: 'cli', kubernetesUser: 'bob@example.com' }) },
    ]);
  }, 180_000);

  it('a Kubernetes user mapped to two approvers is a config error; cliAs opts into --as, audited', async () => {
    await writeFile(
      join(dir, 'twice.yaml'),
      'approvals:\n  approvers: [U0ALICE, U0BOB]\n  identities:\n    U0ALICE: { user: alice@example.com }\n    U0BOB: { user: alice@example.com }\n',
    );
    const twice = await run(['runs'], {
      DATABASE_URL: t.url!,
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      CLAW_CONFIG: join(dir, 'twice.yaml'),
    });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('Kubernetes user "alice@example.com" is mapped to both U0ALICE and U0BOB');

    await writeFile(join(dir, 'single.yaml'), `${CLAW_YAML}  cliAs: true\n`);
    const single = await run(['approve', 'prop_nope', '--as', 'U0BOB'], {
      DATABASE_URL: t.url!,
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      CLAW_CONFIG: join(dir, 'single.yaml'),
      KUBECONFIG: await kubeconfigAs('alice'),
    });
    expect(single).toMatchObject({ code: 1, stderr: 'claw approve: refused: no proposal prop_nope\n' });
  }, 90_000);
});
