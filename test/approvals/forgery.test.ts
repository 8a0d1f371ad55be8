import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { artifactHash } from '../../src/approvals/artifact.ts';
import { decide } from '../../src/approvals/decide.ts';
import { dryRunDigest } from '../../src/approvals/dry-run-record.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import type { DryRunRecord } from '../../src/domain/proposal.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { openStore } from '../../src/store/db.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { BACKENDS, openTestDb } from '../helpers/test-db.ts';

describe('approvals that cannot be forged by writing the database', () => {
  const w = useDemoWorld();
  const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);
  const exec = (id: string) =>
    executeProposal(
      { db: w.t.db, config, kubeConfigFor: () => kubeConfigOf(w.sandbox), verifyTimeoutMs: 20_000, pollMs: 100 },
      id,
      'test',
    );
  const writes = () =>
    w.sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun && !r.path.includes('accessreview')).length;

  it('a low-risk proposal rewritten into scale-to-0, its plain hash recomputed and an approval row inserted: nothing is applied', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'scale', {
      namespace: 'shop',
      name: 'catalog',
      replicas: 3,
    });
    const request = { ...(proposal.request as Record<string, unknown>), body: { spec: { replicas: 0 } } };
    const hash = artifactHash({
      cluster: proposal.cluster,
      action: proposal.action,
      request,
      targetSpecHash: proposal.target_spec_hash,
      dryRun: dryRunDigest(proposal.dry_run as unknown as DryRunRecord),
    });
    await sql`update proposals set request = ${JSON.stringify(request)}::jsonb, artifact_hash = ${hash}, status = 'approved' where id = ${proposal.id}`.execute(
      w.t.db,
    );
    await sql`insert into approvals (proposal_id, actor, decision, artifact_hash) values (${proposal.id}, 'U0APPROVER1', 'approve', ${hash})`.execute(
      w.t.db,
    );
    const before = writes();
    const res = await exec(proposal.id);
    expect(res).toMatchObject({
      executed: true,
      outcome: {
        applied: false,
        message:
          'refused: the proposal cannot be verified: its signature does not verify: the stored proposal was changed outside ClusterClaw',
      },
    });
    expect(writes()).toBe(before);
    expect(w.sandbox.state.store.mustGet(T.deployment, 'shop', 'catalog').spec.replicas).not.toBe(0);
  });

  it('an approval row inserted for a second approver is not counted: a two-person rule still needs a second real approval', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'scale', {
      namespace: 'shop',
      name: 'catalog',
      replicas: 0,
    });
    expect(proposal.required_approvals).toBe(2);
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ outcome: 'needs_more' });
    // Copy the real approval's signature onto a forged row for another approver, and approve it.
    await sql`insert into approvals (proposal_id, actor, decision, artifact_hash, key_id, signature)
      select proposal_id, 'U0APPROVER2', decision, artifact_hash, key_id, signature from approvals where proposal_id = ${proposal.id}`.execute(
      w.t.db,
    );
    await sql`update proposals set status = 'approved' where id = ${proposal.id}`.execute(w.t.db);
    const before = writes();
    expect(await exec(proposal.id)).toMatchObject({
      executed: true,
      outcome: { applied: false, message: expect.stringMatching(/^refused: 1 of 2 required approvals verify/) },
    });
    expect(writes()).toBe(before);
  });

  it('a proposal from before signing (no signature) is neither decided nor executed: it must be proposed again', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    await sql`update proposals set key_id = null, signature = null where id = ${proposal.id}`.execute(w.t.db);
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ ok: false, code: 'unverifiable', message: expect.stringContaining('propose it again') });
    expect((await getProposal(w.t.db, proposal.id))!.status).toBe('pending');
  });

  it('signed approvals of a real decision execute as before', async () => {
    const { proposal } = await makeProposal(w.t.db, w.sandbox, config, 'rollout_restart', {
      namespace: 'shop',
      name: 'catalog',
    });
    expect(proposal.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ outcome: 'approved' });
    expect(await exec(proposal.id)).toMatchObject({ executed: true, outcome: { applied: true } });
  });
});

describe.runIf(BACKENDS.includes('postgres'))('deciding on a shared store without CLAW_SIGNING_KEY', () => {
  it('is refused with a message naming it; nothing is recorded', async () => {
    const t = await openTestDb('postgres');
    const bare = await openStore({ databaseUrl: t.url, dataDir: '' });
    try {
      const config = testConfig(['U0APPROVER1']);
      const row = {
        id: 'prop_x',
        run_id: 'run_x',
        task_id: 'task_x',
        action: 'scale',
        cluster: 'c',
        target: '{}',
        request: '{}',
        target_spec_hash: '',
        artifact_hash: 'a',
        dry_run: '{}',
        diff: '',
        risk: 'low' as const,
        blast_radius: '{}',
        status: 'pending' as const,
        expires_at: new Date(Date.now() + 60_000),
      };
      await sql`insert into tasks (id, kind, source, requester, acceptance_criteria) values ('task_x', 'investigate', 'cli', 'U0ONCALL', '[]')`.execute(
        t.db,
      );
      await sql`insert into runs (id, task_id, status) values ('run_x', 'task_x', 'awaiting_approval')`.execute(t.db);
      await t.db.insertInto('proposals').values(row).execute();
      expect(
        await decide({ db: bare.db, config }, { proposalId: 'prop_x', actor: 'U0APPROVER1', decision: 'approve' }),
      ).toMatchObject({
        ok: false,
        code: 'unverifiable',
        message: expect.stringContaining('deciding on a proposal needs CLAW_SIGNING_KEY'),
      });
      expect(await t.db.selectFrom('approvals').selectAll().execute()).toEqual([]);
    } finally {
      await bare.close();
      await t.close();
    }
  });
});
