import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
const tool = (name: string, input: Record<string, unknown>): ScriptedTurn => ({
  toolCalls: [{ name, input }],
  stopReason: 'tool_use',
});

/**
 * ClusterClaw's own coding loop on a self-hosted OpenAI-compatible endpoint (the Hermes path),
 * through the same gate: its repository tools stay in the clone and out of .git, run only the
 * repository's commands, and CI's failure comes back into the same conversation.
 */
describe('the built-in coding loop on a self-hosted model (Hermes over an OpenAI-compatible API)', () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  it('edits the clone with its repository tools, is refused what it may not do, fixes CI and is proposed', async () => {
    const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\n' });
    const dir = mkdtempSync(join(tmpdir(), 'claw-builtin-'));
    writeFileSync(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER] }',
        'models:',
        `  providers: { hermes: { baseUrl: "${fake.url}/v1" } }`,
        '  routes: { change: ["hermes:NousResearch/Hermes-4-70B"] }',
        'repos:',
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", paths: ["deploy/**"], agentCommands: ["sh ci.sh"] }`,
      ].join('\n'),
    );
    const outside = join(dir, 'escaped.txt');
    fake.requests.length = 0;
    const steps = [
      tool('list_files', {}),
      tool('read_file', { path: 'deploy/values.yaml' }),
      tool('write_file', { path: `${outside}`, content: 'out' }),
      tool('write_file', { path: '.git/config', content: '[core]\n\tfsmonitor = "touch /tmp/pwned"\n' }),
      tool('run_command', { command: 'env' }),
      tool('edit_file', { path: 'deploy/values.yaml', old_string: 'replicas: 2', new_string: 'replicas: two' }),
      { text: 'Set replicas to two.' },
      tool('run_command', { command: 'sh ci.sh' }),
      tool('edit_file', { path: 'deploy/values.yaml', old_string: 'replicas: two', new_string: 'replicas: 3' }),
      { text: 'Set replicas to the number 3; CI passes.' },
    ];
    let i = 0;
    fake.responder = () => steps[i++] ?? { text: 'Nothing more.' };
    const env = { CLAW_CONFIG: join(dir, 'claw.yaml'), CLAW_DATA_DIR: join(dir, 'data') };
    const changed = await run(
      ['change', '--repo', 'demo', 'Scale cart to 3', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      120_000,
    );
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'hermes:NousResearch/Hermes-4-70B' });
    expect(report.proposals[0]).toMatchObject({ action: 'git_change', status: 'pending' });
    expect(report.proposals[0].dryRun.diff).toContain('+replicas: 3');

    const sent = JSON.stringify(fake.requests.map((q) => q.body?.messages));
    expect(sent).toContain('deploy/values.yaml');
    expect(sent).toContain("is outside the repository's clone");
    expect(sent).toContain("is in the clone's .git");
    expect(sent).toContain("only the repository's own commands run here");
    expect(sent).toContain('CI failed (exit 1)');
    expect(sent).toContain('replicas must be a whole number');
    expect(sent).toMatch(/exit 1\\n.*replicas must be a whole number/);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync('/tmp/pwned')).toBe(false);
    expect(git(r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
    // The same conversation throughout: the fix request still holds the first turn.
    const last = JSON.stringify(fake.requests.at(-1)?.body?.messages);
    expect(last).toContain('Set replicas to two.');
    expect(readFileSync(join(r.root, 'seed', 'deploy/values.yaml'), 'utf8')).toBe('replicas: 2\n');
  }, 180_000);
});
