import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { proposeGitChange } from '../../src/approvals/propose-git-change.ts';
import type { Config } from '../../src/config/config.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import { commitCandidate } from '../../src/gate/commit-candidate.ts';
import { runCi } from '../../src/gate/run-ci.ts';
import { bundleCandidate } from '../../src/git/bundle.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { proposalCard } from '../../src/surfaces/slack/blocks.ts';
import { gatedChange as gated } from '../helpers/gated-change.ts';
import { git } from '../helpers/git-repo.ts';
import { BACKENDS, openTestDb, type TestDb } from '../helpers/test-db.ts';

describe.each(BACKENDS)(
  'git_change proposals: nothing is pushed before approval, then exactly once (%s)',
  (backend) => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(backend);
    });
    afterAll(() => t.close());

    const gatedChange = (...args: Parameters<typeof gated> extends [unknown, ...infer R] ? R : never) =>
      gated(t.db, ...args);

    const execute = (config: Config, id: string) =>
      executeProposal(
        {
          db: t.db,
          config,
          kubeConfigFor: () => {
            throw new Error('a git change needs no cluster');
          },
        },
        id,
        'U0A',
      );

    it('push-branch: approved, the executor pushes one claw/ branch at the commit; main is untouched; again is refused', async () => {
      const g = await gatedChange();
      const p = await proposeGitChangeWithBundle(g);
      expect(p).toMatchObject({
        action: 'git_change',
        status: 'pending',
        risk: 'medium',
        target_spec_hash: g.candidate.base,
      });
      expect(p.request).toMatchObject({
        verb: 'git_push',
        repo: 'demo',
        delivery: 'push-branch',
        commit: g.candidate.commit,
      });
      expect(p.diff).toContain('+replicas: 3');
      expect(p.dry_run).toMatchObject({ ok: true, ci: { ok: true, exitCode: 0 } });
      // The card shows where it goes, what it changes, CI's verdict and log, and the diff.
      const card = JSON.stringify(proposalCard(p).blocks);
      expect(card).toContain(`push-branch → \`${(p.request as { ref: string }).ref}\``);
      expect(card).toContain('`M deploy/values.yaml`');
      expect(card).toContain(':white_check_mark: passed in');
      expect(card).toContain('ci: green');
      expect(card).toContain('+replicas: 3');
      expect(card).toContain('not applicable: no manifests configured');
      // Nothing on the remote before approval.
      expect(git(g.r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
      const main = g.r.head();

      expect(
        await decide({ db: t.db, config: g.config }, { proposalId: p.id, actor: 'U0A', decision: 'approve' }),
      ).toMatchObject({ outcome: 'approved' });
      const done = await execute(g.config, p.id);
      expect(done).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
      const ref = (p.request as { ref: string }).ref;
      expect(ref).toMatch(/^claw\//);
      expect(g.r.head(ref)).toBe(g.candidate.commit);
      expect(g.r.head()).toBe(main);
      expect(await execute(g.config, p.id)).toMatchObject({
        executed: false,
        reason: 'proposal is executed, not approved',
      });
    });

    it('refuses to push a candidate whose stored request no longer matches the approved artifact', async () => {
      const g = await gatedChange();
      const p = await proposeGitChangeWithBundle(g);
      await decide({ db: t.db, config: g.config }, { proposalId: p.id, actor: 'U0A', decision: 'approve' });
      // Someone with database access points the approved proposal at another commit.
      await t.db
        .updateTable('proposals')
        .set({ request: JSON.stringify({ ...(p.request as object), commit: g.candidate.base }) })
        .where('id', '=', p.id)
        .execute();
      expect(await execute(g.config, p.id)).toMatchObject({ executed: true, outcome: { applied: false } });
      expect(git(g.r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
      expect((await getProposal(t.db, p.id))!.status).toBe('failed');
    });

    it('push: fast-forwards main from its base; once main moved, it is refused and nothing is pushed', async () => {
      const g = await gatedChange({ delivery: 'push' });
      const p = await proposeGitChangeWithBundle(g);
      await decide({ db: t.db, config: g.config }, { proposalId: p.id, actor: 'U0A', decision: 'approve' });
      g.r.push('README.md', 'someone else pushed first\n');
      const moved = g.r.head();
      const result = await execute(g.config, p.id);
      expect(result).toMatchObject({ executed: true, outcome: { applied: false, stale: true } });
      expect((result as { outcome: { message: string } }).outcome.message).toContain(
        'main moved since the change was made',
      );
      expect(g.r.head()).toBe(moved);

      const again = await gatedChange({ delivery: 'push' });
      const q = await proposeGitChangeWithBundle(again);
      await decide({ db: t.db, config: again.config }, { proposalId: q.id, actor: 'U0A', decision: 'approve' });
      expect(await execute(again.config, q.id)).toMatchObject({
        executed: true,
        outcome: { applied: true, verified: true },
      });
      expect(again.r.head()).toBe(again.candidate.commit);
    });

    it('refuses red CI, paths outside `paths`, and policy denials, recording each as refused', async () => {
      const red = await gatedChange({}, 'replicas: many\n');
      expect(red.ci.ok).toBe(false);
      const e1 = await red.propose().catch((e) => e);
      expect(e1).toBeInstanceOf(ProposalRefused);
      expect((await getProposal(t.db, e1.proposalId))!).toMatchObject({ status: 'refused', policy_rule: 'ci' });

      const fenced = await gatedChange({ paths: ['charts/**'] });
      const e2 = await fenced.propose().catch((e) => e);
      expect(e2.message).toContain('deploy/values.yaml');
      expect((await getProposal(t.db, e2.proposalId))!.policy_rule).toBe('repo-paths');

      const denied = await gatedChange();
      const config: Config = {
        ...denied.config,
        policy: {
          ...denied.config.policy,
          rules: [
            {
              name: 'no-deploy-edits',
              match: { repos: ['demo'], paths: ['deploy/**'] },
              deny: 'deploy/ changes go through the platform team',
            },
          ],
        },
      };
      const e3 = await proposeGitChange(
        { db: t.db, config },
        { ...baseInput(denied), bundle: await denied.bundle() },
      ).catch((e) => e);
      expect(e3.message).toContain('deploy/ changes go through the platform team');
    });

    it("a later attempt's change replaces the run's pending one; another task's change to the repository stands", async () => {
      const g = await gatedChange();
      const first = await proposeGitChangeWithBundle(g);
      const other = await gatedChange();
      const others = await proposeGitChangeWithBundle(other);
      // The successor attempt commits another candidate in the same run.
      writeFileSync(join(g.ws.dir, 'deploy/values.yaml'), 'replicas: 4\n');
      const again = (await commitCandidate(g.ws, g.r.config, { message: 'Scale cart to 4', requester: 'U0ONCALL' }))!;
      const ci = await runCi(g.r.config, again, g.ws.dir, join(g.r.root, 'ci-2'));
      const second = await proposeGitChange(
        { db: t.db, config: g.config },
        { ...g.input, candidate: again, ci, bundle: await bundleCandidate(g.ws.dir, again.base, again.commit) },
      );
      expect(second.id).not.toBe(first.id);
      expect((await getProposal(t.db, first.id))!.status).toBe('superseded');
      expect((await getProposal(t.db, others.id))!.status).toBe('pending');
    });

    it('a change to CI definitions is high risk and says how CI ran', async () => {
      const g = await gatedChange({ ciPaths: ['deploy/**'] }, 'replicas: 4\n', ['U0A', 'U0B']);
      const p = await proposeGitChangeWithBundle(g);
      expect(p.risk).toBe('high');
      expect(p.required_approvals).toBe(2);
      expect(JSON.stringify(p.blast_radius)).toContain('changes CI definitions (deploy/values.yaml)');
    });

    function baseInput(g: Awaited<ReturnType<typeof gatedChange>>) {
      return { ...g.input, summary: 'Scale cart' };
    }
    const proposeGitChangeWithBundle = (g: Awaited<ReturnType<typeof gatedChange>>) => g.proposeWithBundle();
  },
);
