import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "deploy/values.yaml: replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
/** The key ClusterClaw holds; the agent's process must never see it. */
const REAL_KEY = 'sk-ant-real-key-0123456789abcdef';

/**
 * The real Claude Code (the Agent SDK's bundled CLI) against a scripted Messages API: each
 * request gets the next step, with paths in the agent's clone, which the CLI states in its first
 * message as its working directory.
 */
function agentScript(fake: FakeModelServer, steps: ((cwd: string) => ScriptedTurn)[]) {
  let cwd = '';
  let i = 0;
  fake.responder = (body) => {
    const m = /working directory: (\S+?)(?:\\n|\s)/.exec(JSON.stringify(body));
    if (m && !cwd) cwd = m[1]!;
    const step = steps[i++];
    return step ? step(cwd) : { text: 'Nothing more to do.' };
  };
}

const read = (cwd: string): ScriptedTurn => ({
  toolCalls: [{ name: 'Read', input: { file_path: `${cwd}/deploy/values.yaml` } }],
  stopReason: 'tool_use',
});
const edit =
  (from: string, to: string) =>
  (cwd: string): ScriptedTurn => ({
    toolCalls: [{ name: 'Edit', input: { file_path: `${cwd}/deploy/values.yaml`, old_string: from, new_string: to } }],
    stopReason: 'tool_use',
  });
const done = (text: string) => (): ScriptedTurn => ({ text });

describe('claude-code: a change task through the real Claude Code, the CI gate and the executor', () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  function setup(ciMaxFixAttempts = 2) {
    const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\nimage: shop/cart:1.4\n' });
    const dir = mkdtempSync(join(tmpdir(), 'claw-change-'));
    writeFileSync(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER] }',
        'repos:',
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", ciMaxFixAttempts: ${ciMaxFixAttempts}, paths: ["deploy/**"] }`,
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

  it('edits in its own clone, is refused what it may not do while its edit lands, passes CI, and is pushed once approved', async () => {
    const { r, env } = setup();
    fake.requests.length = 0;
    agentScript(fake, [
      read,
      edit('replicas: 2', 'replicas: 3'),
      () => ({
        toolCalls: [{ name: 'Bash', input: { command: 'env', description: 'print the environment' } }],
        stopReason: 'tool_use',
      }),
      () => ({ toolCalls: [{ name: 'Read', input: { file_path: '/etc/passwd' } }], stopReason: 'tool_use' }),
      (cwd) => ({
        toolCalls: [{ name: 'Write', input: { file_path: `${cwd}/../escaped.txt`, content: 'out' } }],
        stopReason: 'tool_use',
      }),
      () => ({
        toolCalls: [{ name: 'Bash', input: { command: 'curl -s http://example.com', description: 'network' } }],
        stopReason: 'tool_use',
      }),
      done('Scaled cart to 3 replicas in deploy/values.yaml.'),
    ]);
    const changed = await run(
      ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      180_000,
    );
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'claude-code:claude-sonnet-4-6' });
    const [proposal] = report.proposals;
    expect(proposal).toMatchObject({
      action: 'git_change',
      status: 'pending',
      target: { kind: 'Repository', name: 'demo' },
    });
    expect(proposal.dryRun.diff).toContain('+replicas: 3');

    // Every refused call came back to the agent as an error, and it carried on.
    const sent = JSON.stringify(fake.requests.map((q) => q.body.messages));
    expect(sent).toContain('shell commands are limited to this repository');
    expect(sent).toMatch(/Read is allowed only inside the repository's clone/);
    expect(sent).toMatch(/Write is allowed only inside the repository's clone/);
    expect(existsSync(join(r.root, 'escaped.txt'))).toBe(false);
    // The agent's process never held the real key: it called our proxy with a run token.
    expect(JSON.stringify(fake.requests.map((q) => q.body))).not.toContain(REAL_KEY);
    expect(fake.requests.every((q) => q.headers['x-api-key'] === REAL_KEY)).toBe(true);
    // Nothing pushed before approval.
    expect(git(r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');

    const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER'], env, undefined, 120_000);
    expect(approved.code, approved.stderr).toBe(0);
    const branch = git(r.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/claw');
    expect(branch).toMatch(/^claw\/task_/);
    expect(git(r.bare, 'show', `${branch}:deploy/values.yaml`)).toContain('replicas: 3');
    expect(git(r.bare, 'show', 'main:deploy/values.yaml')).toContain('replicas: 2');
  }, 240_000);

  it('gets the CI log back in the same session when CI fails, fixes it, and is proposed', async () => {
    const { env } = setup();
    fake.requests.length = 0;
    agentScript(fake, [
      read,
      edit('replicas: 2', 'replicas: three'),
      done('Set replicas to three.'),
      edit('replicas: three', 'replicas: 3'),
      done('Fixed: replicas is the number 3.'),
    ]);
    const changed = await run(
      ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      180_000,
    );
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.proposals[0]).toMatchObject({ action: 'git_change', status: 'pending' });
    expect(report.proposals[0].dryRun.diff).toContain('+replicas: 3');
    // The fix turn carried the CI failure first, in the session that made the change.
    const fixTurn = fake.requests.find((q) => JSON.stringify(q.body.messages).includes('CI failed (exit 1)'));
    expect(JSON.stringify(fixTurn?.body.messages)).toContain('replicas must be a whole number');
    expect(new Set(fake.requests.map((q) => q.headers['x-claude-code-session-id'])).size).toBe(1);
  }, 240_000);

  it('escalates with the CI log when every attempt fails, and proposes nothing', async () => {
    const { env } = setup(1);
    agentScript(fake, [
      read,
      edit('replicas: 2', 'replicas: two'),
      done('Done.'),
      edit('replicas: two', 'replicas: zwei'),
      done('Done again.'),
    ]);
    const changed = await run(
      ['change', '--repo', 'demo', 'Scale cart to 2 replicas', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      180_000,
    );
    const report = JSON.parse(changed.stdout);
    expect(report.run.status).toBe('escalated');
    expect(report.run.summary).toContain('did not pass the gate after 2 attempt(s)');
    expect(report.run.summary).toContain('replicas must be a whole number');
    expect(report.proposals).toEqual([]);
  }, 240_000);

  it("reads the cluster only through ClusterClaw's vocabulary (MCP), fenced as untrusted data", async () => {
    const { env, dir } = setup();
    const kubeconfig = join(dir, 'kubeconfig');
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), kubeconfigPath: kubeconfig });
    try {
      fake.requests.length = 0;
      agentScript(fake, [
        () => ({
          toolCalls: [{ name: 'mcp__clusterclaw__list_pods', input: { namespace: 'shop' } }],
          stopReason: 'tool_use',
        }),
        // A cluster write is not in the agent's vocabulary at all: its change is its commit.
        () => ({
          toolCalls: [{ name: 'mcp__clusterclaw__scale', input: { namespace: 'shop', name: 'cart', replicas: 3 } }],
          stopReason: 'tool_use',
        }),
        read,
        edit('replicas: 2', 'replicas: 3'),
        done('Scaled cart to 3, as the pods it runs show it is short.'),
      ]);
      const changed = await run(
        ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
        { ...env, KUBECONFIG: kubeconfig },
        undefined,
        180_000,
      );
      expect(changed.code, changed.stderr).toBe(0);
      const report = JSON.parse(changed.stdout);
      expect(report.proposals[0]).toMatchObject({ action: 'git_change', status: 'pending' });
      const results = JSON.stringify(fake.requests.map((q) => q.body.messages));
      expect(results).toContain('trust=\\"untrusted\\"');
      expect(results).toMatch(/cart-[a-z0-9]+-[a-z0-9]+/);
      expect(results).toContain('No such tool available: mcp__clusterclaw__scale');
      // The cluster was not touched: only the git_change waits for approval.
      const cart = sandbox.state.store.get(T.deployment, 'shop', 'cart')!;
      expect(cart.spec.replicas).not.toBe(3);
    } finally {
      await sandbox.stop();
    }
  }, 240_000);

  it('says at once what is missing when no coding agent can run, and refuses an unknown repository', async () => {
    const { env } = setup();
    const none = await run(['change', '--repo', 'demo', 'anything', '--as', 'U0ONCALL', '--json'], {
      ...env,
      ANTHROPIC_API_KEY: '',
    });
    const report = JSON.parse(none.stdout);
    expect(report.run.status).toBe('escalated');
    expect(report.run.summary).toContain('claude-code:claude-sonnet-4-6 needs ANTHROPIC_API_KEY');
    const unknown = await run(['change', '--repo', 'nope', 'anything'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no repository "nope" in claw.yaml repos: one of demo');
  }, 120_000);
});
