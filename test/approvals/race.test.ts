import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { openStore, type StoreHandle } from '../../src/store/db.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';

// Invariant 2 needs real contention: separate connections to a real server, not PGlite's one session.
describe.skipIf(!TEST_DATABASE_URL)('racing decisions and executions on a real PostgreSQL server', () => {
  let t: TestDb;
  let replicas: StoreHandle[];
  let sandbox: Sandbox;
  const approvers = Array.from({ length: 6 }, (_, i) => `U0APPROVER${i}`);
  const config = testConfig(approvers);

  beforeAll(async () => {
    t = await openTestDb('postgres');
    // Two "replicas": independent pools, each with several connections.
    replicas = await Promise.all(
      [0, 1].map(() => openStore({ databaseUrl: t.url, dataDir: '', signing: { key: TEST_SIGNING_KEY } })),
    );
    sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), tickMs: 50 });
  });
  afterAll(async () => {
    await sandbox.stop();
    for (const r of replicas) await r.close();
    await t.close();
  });

  it('many approvers clicking at once on two replicas: one approval wins, the rest see it decided', async () => {
    for (let round = 0; round < 5; round++) {
      const { proposal } = await makeProposal(t.db, sandbox, config, 'rollout_restart', {
        namespace: 'shop',
        name: 'catalog',
      });
      const results = await Promise.all(
        approvers.map((actor, i) =>
          decide({ db: replicas[i % 2]!.db, config }, { proposalId: proposal.id, actor, decision: 'approve' }),
        ),
      );
      const winners = results.filter((r) => r.ok && r.outcome === 'approved');
      expect(winners).toHaveLength(1);
      for (const r of results.filter((x) => !(x.ok && x.outcome === 'approved')))
        expect(r).toMatchObject({ ok: false, code: 'already_decided' });
      const row = await t.db
        .selectFrom('proposals')
        .select('status')
        .where('id', '=', proposal.id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('approved');
    }
  });

  it('approve and reject racing: exactly one decision stands', async () => {
    for (let round = 0; round < 5; round++) {
      const { proposal } = await makeProposal(t.db, sandbox, config, 'rollout_restart', {
        namespace: 'shop',
        name: 'catalog',
      });
      const [a, r] = await Promise.all([
        decide({ db: replicas[0]!.db, config }, { proposalId: proposal.id, actor: approvers[0]!, decision: 'approve' }),
        decide(
          { db: replicas[1]!.db, config },
          { proposalId: proposal.id, actor: approvers[1]!, decision: 'reject', reason: 'no' },
        ),
      ]);
      expect([a, r].filter((x) => x.ok)).toHaveLength(1);
    }
  });

  it('executors on both replicas racing on one approved proposal: applied exactly once', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'redis',
    });
    await decide(
      { db: replicas[0]!.db, config },
      { proposalId: proposal.id, actor: approvers[0]!, decision: 'approve' },
    );
    const before = sandbox.journal.filter((x) => x.method === 'PATCH' && !x.dryRun).length;
    const deps = (i: number) => ({
      db: replicas[i % 2]!.db,
      config,
      kubeConfigFor: () => kubeConfigOf(sandbox),
      verifyTimeoutMs: 20_000,
      pollMs: 100,
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => executeProposal(deps(i), proposal.id, `replica-${i % 2}`)),
    );
    expect(results.filter((x) => x.executed)).toHaveLength(1);
    expect(sandbox.journal.filter((x) => x.method === 'PATCH' && !x.dryRun).length).toBe(before + 1);
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject', '=', proposal.id)
      .where('action', '=', 'proposal.executing')
      .execute();
    expect(audit).toHaveLength(1);
  });
});
