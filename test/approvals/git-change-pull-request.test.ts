import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import type { Config } from '../../src/config/config.ts';
import { proposalCard } from '../../src/surfaces/slack/blocks.ts';
import { startFakeGitHost } from '../fakes/fake-git-host.ts';
import { gatedChange } from '../helpers/gated-change.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';

const TOKEN = 'ghp_exampletoken0123456789';

describe('delivery pull-request: the approved change is pushed, then its pull request opened, once', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(() => t.close());

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

  it.each([
    ['github', 'org/demo', /^https:\/\/github\.example\/org\/demo\/pull\/1$/],
    ['gitlab', 'group/demo', /^https:\/\/gitlab\.example\/group\/demo\/-\/merge_requests\/1$/],
  ] as const)(
    '%s: one branch, one request carrying the task, CI and approver; a retry finds it',
    async (provider, slug, link) => {
      const hostApi = await startFakeGitHost(provider, TOKEN);
      try {
        const g = await gatedChange(t.db, {
          delivery: 'pull-request',
          pullRequest: { provider, apiUrl: hostApi.url, repo: slug, tokenEnv: 'GIT_HOST_TOKEN', token: TOKEN },
        });
        const p = await g.proposeWithBundle();
        const ref = (p.request as { ref: string }).ref;
        expect(p.request).toMatchObject({ delivery: 'pull-request', tracked: 'main' });
        expect(JSON.stringify(proposalCard(p).blocks)).toContain(`pull-request → \`${ref}\` into \`main\``);
        expect(hostApi.calls).toEqual([]);

        await decide({ db: t.db, config: g.config }, { proposalId: p.id, actor: 'U0A', decision: 'approve' });
        const done = await execute(g.config, p.id);
        expect(done).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
        const outcome = (done as { outcome: { message: string; pullRequest: { url: string } } }).outcome;
        expect(outcome.pullRequest.url).toMatch(link);
        expect(outcome.message).toContain(`opened pull request #1 ${outcome.pullRequest.url} from ${ref} into main`);
        expect(g.r.head(ref)).toBe(g.candidate.commit);
        expect(hostApi.opened).toHaveLength(1);
        expect(hostApi.opened[0]).toMatchObject({ head: ref, base: 'main', title: 'scale cart to 3' });
        expect(hostApi.opened[0]!.body).toContain('**Approved** in ClusterClaw by U0A');
        expect(hostApi.opened[0]!.body).toMatch(/\*\*CI\*\* \(`.*`\): passed in \d+\.\d s/);

        // A retried delivery (its executor died after opening) finds the request instead of opening another.
        const { openTheRequest } = await import('../../src/approvals/deliver-git-change.ts');
        const again = await openTheRequest(
          {
            db: t.db,
            config: g.config,
            kubeConfigFor: () => {
              throw new Error('no');
            },
          },
          p,
          p.request as never,
          g.r.config,
          true,
        );
        expect(again).toMatchObject({
          settled: true,
          status: 'executed',
          outcome: { message: expect.stringContaining('found the pull request already open #1') },
        });
        expect(hostApi.opened).toHaveLength(1);
      } finally {
        await hostApi.close();
      }
    },
    60_000,
  );

  it('says so when the token is not set, and keeps the pushed branch as the delivered part', async () => {
    const hostApi = await startFakeGitHost('github', TOKEN);
    try {
      const g = await gatedChange(t.db, {
        delivery: 'pull-request',
        pullRequest: { provider: 'github', apiUrl: hostApi.url, repo: 'org/demo', tokenEnv: 'GITHUB_TOKEN' },
      });
      const p = await g.proposeWithBundle();
      await decide({ db: t.db, config: g.config }, { proposalId: p.id, actor: 'U0A', decision: 'approve' });
      const done = await execute(g.config, p.id);
      expect(done).toMatchObject({
        executed: true,
        outcome: {
          applied: true,
          verified: false,
          message: expect.stringContaining('the pull request could not be opened: GITHUB_TOKEN is not set'),
        },
      });
      expect(hostApi.calls).toEqual([]);
    } finally {
      await hostApi.close();
    }
  }, 60_000);
});
