import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';

describe('executing as the approver (approvals.impersonate)', () => {
  // The deployers Role in shop, bound to the group sre.
  const w = useDemoWorld(({ state: { store } }) => {
    store.create(T.role, {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name: 'deployers', namespace: 'shop' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }],
    });
    store.create(T.roleBinding, {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name: 'sre-deployers', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployers' },
      subjects: [{ kind: 'Group', name: 'sre', apiGroup: 'rbac.authorization.k8s.io' }],
    });
  });
  const config = testConfig(['U0ALICE', 'U0BOB', 'U0NOMAP'], {
    impersonate: true,
    identities: {
      U0ALICE: { user: 'alice@example.com', groups: ['sre'] },
      U0BOB: { user: 'bob@example.com', groups: ['marketing'] },
    },
  });
  const writes = () => w.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);
  const approveAndRun = async (approver: string) => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      kind: 'Deployment',
      name: 'cart',
    });
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: approver, decision: 'approve' }),
    ).toMatchObject({ outcome: 'approved' });
    const mark = w.sandbox.journal.length;
    const result = await executeProposal(
      { db: w.t.db, config, kubeConfigFor: () => kubeConfigOf(w.sandbox), verifyTimeoutMs: 20_000, pollMs: 100 },
      proposal.id,
      'test',
    );
    return Object.assign(result, { sent: w.sandbox.journal.slice(mark) });
  };

  it("applies as the approver's Kubernetes identity and audits who it acted as", async () => {
    const before = writes().length;
    expect(await approveAndRun('U0ALICE')).toMatchObject({ executed: true, outcome: { applied: true } });
    expect(
      writes()
        .slice(before)
        .map((r) => r.impersonated?.user),
    ).toEqual(['alice@example.com']);
    // The dry-run that re-validates the change also went as alice; only reads and verification are ours.
    expect(w.sandbox.journal.filter((r) => r.method === 'PATCH' && r.dryRun).at(-1)?.impersonated?.user).toBe(
      'alice@example.com',
    );
    const audit = await sql<{
      data: { actingAs: unknown };
    }>`select data from audit_log where action = 'proposal.executing'`.execute(w.t.db);
    expect(audit.rows[0]!.data.actingAs).toEqual({ approver: 'U0ALICE', user: 'alice@example.com', groups: ['sre'] });
  });

  it("lets the cluster's RBAC refuse an approver who could not make the change, and applies nothing", async () => {
    const before = writes().length;
    const result = await approveAndRun('U0BOB');
    expect(result).toMatchObject({ executed: true, proposal: { status: 'failed' }, outcome: { applied: false } });
    expect((result as { outcome: { message: string } }).outcome.message).toContain(
      'User "bob@example.com" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
    );
    expect(writes().length).toBe(before);
  });

  it('fails closed when the approver has no mapped identity: nothing reaches the cluster', async () => {
    const result = await approveAndRun('U0NOMAP');
    expect(result).toMatchObject({
      executed: true,
      outcome: { applied: false, message: expect.stringContaining('approver <@U0NOMAP> has no Kubernetes identity') },
    });
    expect(result.sent).toEqual([]);
  });
});
