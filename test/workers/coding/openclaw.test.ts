import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openclawExecutable } from '../../../src/workers/coding/openclaw-worker.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "deploy/values.yaml: replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
const REAL_KEY = 'sk-ant-real-key-0123456789abcdef';
const HANG: ScriptedTurn = { text: 'too late', delayMs: 600_000 };

/** One of OpenClaw's own tools, as its model calls it. */
const tool = (name: string, input: Record<string, unknown>): ScriptedTurn => ({
  toolCalls: [{ name, input }],
  stopReason: 'tool_use',
});
const edit = (from: string, to: string) =>
  tool('edit', { path: 'deploy/values.yaml', edits: [{ oldText: from, newText: to }] });
const done = (text: string): ScriptedTurn => ({ text });

/** Installed by `npm run agent-clis` (CI always does): without it, outside CI, these tests are skipped. */
const INSTALLED = 'path' in openclawExecutable();

describe.skipIf(!INSTALLED && !process.env.CI)(
  'openclaw: a change task through the real OpenClaw CLI (local agent mode), the CI gate and the executor',
  () => {
    let fake: FakeModelServer;
    beforeAll(async () => {
      fake = await startFakeModelServer();
    });
    afterAll(() => fake.close());

    function setup(route: string, extra: string[] = []) {
      const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\nimage: shop/cart:1.4\n' });
      const dir = mkdtempSync(join(tmpdir(), 'claw-openclaw-'));
      writeFileSync(
        join(dir, 'claw.yaml'),
        [
          'approvals: { approvers: [U0APPROVER] }',
          `models: { routes: { change: ["${route}"] }, providers: { hermes: { baseUrl: "${fake.url}/v1" } } }`,
          ...extra,
          'repos:',
          `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", ciMaxFixAttempts: 1, paths: ["deploy/**"] }`,
        ].join('\n'),
      );
      const env = {
        CLAW_CONFIG: join(dir, 'claw.yaml'),
        CLAW_DATA_DIR: join(dir, 'data'),
        ANTHROPIC_API_KEY: REAL_KEY,
        ANTHROPIC_BASE_URL: fake.url,
      };
      return { r, dir, env };
    }
    function script(steps: ScriptedTurn[]) {
      let i = 0;
      fake.responder = () => steps[i++] ?? done('Nothing more to do.');
    }
    const change = (env: Record<string, string>) =>
      run(
        ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
        env,
        undefined,
        200_000,
      );
    const events = async (env: Record<string, string>, runId: string) =>
      JSON.stringify(JSON.parse((await run(['show', runId, '--json'], env)).stdout));

    it('edits with its file tools only, gets CI failures back, fixes them, and is pushed once approved', async () => {
      const { r, dir, env } = setup('openclaw:anthropic/claude-sonnet-4-6');
      fake.requests.length = 0;
      script([
        tool('read', { path: 'deploy/values.yaml' }),
        edit('replicas: 2', 'replicas: three'),
        // Its shell is denied; its file tools cannot leave the clone, nor reach the real .git.
        tool('exec', { command: `echo out > ${join(dir, 'escaped.txt')}` }),
        tool('read', { path: '../openclaw.json' }),
        tool('write', { path: '.git/config', content: '[core]\n\tfsmonitor = touch /tmp/claw-pwned\n' }),
        done('Set replicas to three.'),
        edit('replicas: three', 'replicas: 3'),
        done('Fixed: replicas is the number 3.'),
      ]);
      const changed = await change(env);
      expect(changed.code, changed.stderr).toBe(0);
      const report = JSON.parse(changed.stdout);
      expect(report.run, report.run.summary).toMatchObject({
        status: 'awaiting_approval',
        worker: 'openclaw:anthropic/claude-sonnet-4-6',
      });
      const [proposal] = report.proposals;
      expect(proposal).toMatchObject({ action: 'git_change', status: 'pending' });
      expect(proposal.dryRun.diff).toContain('+replicas: 3');
      expect(proposal.dryRun.diff).not.toContain('.git');

      const sent = JSON.stringify(fake.requests.map((q) => q.body?.messages));
      expect(sent).toContain('Tool exec not found');
      expect(sent).toMatch(/Path escapes sandbox root/);
      // The second exec carried the brief again, and CI's failure.
      expect(sent).toContain('CI failed (exit 1)');
      expect(sent).toContain('replicas must be a whole number');
      expect(sent).not.toContain(REAL_KEY);
      expect(sent).not.toMatch(/CLAW_DATA_DIR|CLAW_CONFIG|ANTHROPIC_API_KEY/);
      // Only the proxy held the real key, and it sent it upstream.
      expect(fake.requests.length).toBeGreaterThanOrEqual(8);
      expect(fake.requests.every((q) => q.headers['x-api-key'] === REAL_KEY)).toBe(true);

      const shown = await events(env, report.run.id);
      expect(shown).toContain('OpenClaw reports only when its turn ends');
      expect(shown, shown).toContain('OpenClaw changed deploy/values.yaml');
      expect(shown).toContain('OpenClaw wrote a .git of its own in the clone: discarded');

      const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER'], env, undefined, 120_000);
      expect(approved.code, approved.stderr).toBe(0);
      const branch = git(r.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/claw');
      expect(git(r.bare, 'show', `${branch}:deploy/values.yaml`)).toContain('replicas: 3');
      expect(git(r.bare, 'show', 'main:deploy/values.yaml')).toContain('replicas: 2');
    }, 300_000);

    it('runs a self-hosted model (OpenAI-compatible chat) and is nudged out of a hung model call', async () => {
      const { env } = setup('openclaw:hermes/hermes-4', [
        // 20 s: OpenClaw takes several seconds to start on a loaded machine, before its first model call.
        'runs: { stall: { seconds: 20, maxNudges: 2 }, retryBackoff: { baseSeconds: 0.2, maxSeconds: 1 } }',
      ]);
      fake.requests.length = 0;
      fake.abandoned = 0;
      script([HANG, edit('replicas: 2', 'replicas: 3'), done('Scaled cart to 3.')]);
      const changed = await change(env);
      expect(changed.code, changed.stderr).toBe(0);
      const report = JSON.parse(changed.stdout);
      expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'openclaw:hermes/hermes-4' });
      expect(report.proposals[0].dryRun.diff).toContain('+replicas: 3');
      expect(await events(env, report.run.id)).toMatch(/No progress for \d+s: nudging openclaw:hermes\/hermes-4/);
      const chats = fake.requests.filter((q) => q.path.startsWith('/v1/chat/completions'));
      expect(chats.length).toBe(3);
      expect(JSON.stringify(chats[1]!.body.messages)).toContain('Stop what you are doing and carry on with the change');
      expect(JSON.stringify(chats[1]!.body.messages)).toContain('Done means:');
      expect(fake.abandoned).toBe(1);
    }, 300_000);

    it('says at once what is missing when OpenClaw cannot run', async () => {
      const { env } = setup('openclaw:anthropic/claude-sonnet-4-6');
      const summary = async (e: Record<string, string>) =>
        JSON.parse((await run(['change', '--repo', 'demo', 'anything', '--as', 'U0ONCALL', '--json'], e)).stdout).run
          .summary as string;
      expect(await summary({ ...env, ANTHROPIC_API_KEY: '' })).toContain(
        'openclaw:anthropic/claude-sonnet-4-6 needs ANTHROPIC_API_KEY',
      );
      expect(await summary({ ...env, OPENCLAW_PATH: '/nonexistent/openclaw.mjs' })).toContain(
        'needs the OpenClaw CLI: OPENCLAW_PATH /nonexistent/openclaw.mjs does not exist',
      );
      const bare = setup('openclaw:claude-sonnet-4-6');
      expect(await summary(bare.env)).toContain("name OpenClaw's model as openclaw:<provider>/<model>");
    }, 120_000);
  },
);
