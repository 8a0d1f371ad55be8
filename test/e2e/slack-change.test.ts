import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeModelServer, startFakeModelServer } from '../fakes/fake-model-server.ts';
import { agentScript, call, doneStep, editStep, readFileStep } from '../helpers/claude-code-script.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-change-secret';
const APPROVER = 'U0APPROVER1';
const ONCALL = 'U0ONCALL';
const CHANNEL = 'C0DEPLOYS';
const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;

/**
 * A change asked for in Slack, end to end: `/claw change` → the real Claude Code in its clone
 * (scripted model) → the CI gate → a git_change card in the thread → an approver's click → the
 * executor pushes one claw/ branch, and the thread says so.
 */
describe('a change task through Slack: the coding agent, the CI gate, the card and the push', () => {
  let fake: FakeModelServer;
  const repo = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\nimage: shop/cart:1.4\n' });
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: () =>
      [
        `approvals: { approvers: [${APPROVER}] }`,
        'repos:',
        `  gitops: { url: "file://${repo.bare}", ci: "sh ci.sh", paths: ["deploy/**"], ciMaxFixAttempts: 1 }`,
      ].join('\n'),
    env: () => ({ ANTHROPIC_API_KEY: 'sk-ant-e2e-key', ANTHROPIC_BASE_URL: fake.url }),
  });

  const posts = () => h.slack.callsTo('chat.postMessage');
  /** Everything the thread showed: posts, edits, and the progress streamed to the asker. */
  const said = () =>
    ['chat.postMessage', 'chat.update', 'chat.startStream', 'chat.appendStream', 'chat.stopStream']
      .flatMap((m) => h.slack.callsTo(m))
      .map((c) => JSON.stringify(c.args));

  it('streams the agent and the gate into the thread, shows the change on a card, and pushes it once approved', async () => {
    agentScript(fake, [
      readFileStep('deploy/values.yaml'),
      editStep('deploy/values.yaml', 'replicas: 2', 'replicas: two'),
      doneStep('Set cart replicas.'),
      // CI's failure comes back into the same session; the agent fixes it.
      editStep('deploy/values.yaml', 'replicas: two', 'replicas: 3'),
      call('Bash', { command: 'printenv ANTHROPIC_API_KEY', description: 'look' }),
      doneStep('Set cart replicas to the number 3.'),
    ]);
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({ text: 'change gitops scale cart to 3 replicas', user: ONCALL, channel: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const root = await waitFor('the thread root', () => posts().find((c) => !c.args.thread_ts));
    expect(root.args.channel).toBe(CHANNEL);
    expect(root.args.text).toBe(':hammer_and_wrench: Changing `gitops`: scale cart to 3 replicas');
    expect(JSON.stringify(root.args.blocks)).toContain('CI `sh ci.sh` must pass');
    const rootTs = root.result!.ts as string;

    const card = await waitFor(
      'the git_change card',
      () => posts().find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      180_000,
    );
    expect(card.args.thread_ts).toBe(rootTs);
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('deploy/values.yaml');
    expect(blocks).toContain('+replicas: 3');
    expect(blocks).toMatch(/passed in \d+\.\d s/);
    expect(blocks).toContain('ci: values are valid');
    // The thread showed the agent's work and the gate's verdicts while it ran.
    const thread = said().join('\n');
    expect(thread).toContain('"title":"Edit deploy/values.yaml"');
    expect(thread).toMatch(/"title":"CI: sh ci.sh","status":"error","output":"failed \(exit 1\)/);
    expect(thread).toMatch(/"title":"CI: sh ci.sh","status":"complete","output":"passed/);
    expect(thread).toContain('"title":"Bash: printenv ANTHROPIC_API_KEY","status":"error"');
    expect(thread).not.toContain('sk-ant-e2e-key');
    expect(git(repo.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');

    const proposalId = (card.args.blocks as any[]).find((b) => b.type === 'actions').elements[0].value as string;
    const cardTs = card.result!.ts as string;
    const click = (actionId: string, user: string) =>
      postSigned(
        h.events(),
        SECRET,
        buttonClickBody({ actionId, value: proposalId, user, channel: CHANNEL, messageTs: cardTs, threadTs: rootTs }),
      );
    // The whole diff opens for anyone.
    await click('claw_view_diff', 'U0ANYONE');
    const modal = await waitFor('the whole-change modal', () => h.slack.callsTo('views.open')[0]);
    expect(JSON.stringify(modal.args.view)).toContain('Diff of the candidate commit');

    expect((await click('claw_approve', APPROVER)).status).toBe(200);
    const outcome = await waitFor(
      'the push in the thread',
      () =>
        posts().find(
          (c) =>
            c.args.thread_ts === rootTs &&
            /Applied|pushed/i.test(String(c.args.text)) &&
            /claw\//.test(String(c.args.text)),
        ),
      60_000,
    );
    const branch = git(repo.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/claw');
    expect(branch).toMatch(/^claw\//);
    expect(String(outcome.args.text)).toContain(branch);
    expect(git(repo.bare, 'show', `${branch}:deploy/values.yaml`)).toContain('replicas: 3');
    expect(git(repo.bare, 'show', 'main:deploy/values.yaml')).toContain('replicas: 2');
    await waitFor('the final summary', () =>
      posts().find((c) => c.args.thread_ts === rootTs && String(c.args.text).includes('Run succeeded')),
    );
  }, 300_000);
});
