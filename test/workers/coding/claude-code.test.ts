import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { agentScript, doneStep, editStep, readFileStep } from '../../helpers/claude-code-script.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "deploy/values.yaml: replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
/** The key ClusterClaw holds; the agent's process must never see it. */
const REAL_KEY = 'sk-ant-real-key-0123456789abcdef';

const read = readFileStep('deploy/values.yaml');
const edit = (from: string, to: string) => editStep('deploy/values.yaml', from, to);
const done = doneStep;

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
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", ciMaxFixAttempts: ${ciMaxFixAttempts}, paths: ["deploy/**"], agentCommands: ["sh ci.sh"] }`,
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
      // The repository's own command runs (agentCommands); printing the environment does not.
      () => ({
        toolCalls: [{ name: 'Bash', input: { command: 'sh ci.sh', description: 'run CI' } }],
        stopReason: 'tool_use',
      }),
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
    // Tokens metered by our proxy; the cost, with no price for this worker in models.registry, as Claude Code reports it.
    expect(report.run.usage.inputTokens).toBeGreaterThan(0);
    expect(report.run.usage.costUsd).toBeGreaterThan(0);
    const [proposal] = report.proposals;
    expect(proposal).toMatchObject({
      action: 'git_change',
      status: 'pending',
      target: { kind: 'Repository', name: 'demo' },
    });
    expect(proposal.dryRun.diff).toContain('+replicas: 3');

    // Every refused call came back to the agent as an error, and it carried on.
    const sent = JSON.stringify(fake.requests.map((q) => q.body.messages));
    expect(sent).toContain('ci: values are valid');
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

  it("reaches the cluster only through ClusterClaw's vocabulary (MCP): reads fenced as untrusted data, writes only proposed", async () => {
    const { env, dir } = setup();
    const kubeconfig = join(dir, 'kubeconfig');
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), kubeconfigPath: kubeconfig });
    const scale = (replicas: number) => (): ScriptedTurn => ({
      toolCalls: [{ name: 'mcp__clusterclaw__scale', input: { namespace: 'shop', name: 'cart', replicas } }],
      stopReason: 'tool_use',
    });
    try {
      fake.requests.length = 0;
      agentScript(fake, [
        () => ({
          toolCalls: [{ name: 'mcp__clusterclaw__list_pods', input: { namespace: 'shop' } }],
          stopReason: 'tool_use',
        }),
        // A cluster write only becomes a proposal for a human; past the cap, not even that.
        scale(3),
        scale(4),
        scale(5),
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
      expect(report.run.status).toBe('awaiting_approval');
      expect(report.proposals.map((p: { action: string }) => p.action).sort()).toEqual([
        'git_change',
        'scale',
        'scale',
      ]);
      // The second scale of cart replaces the first, as any newer proposal for the same object does.
      expect(report.proposals.map((p: { status: string }) => p.status).sort()).toEqual([
        'pending',
        'pending',
        'superseded',
      ]);
      const results = JSON.stringify(fake.requests.map((q) => q.body.messages));
      expect(results).toContain('trust=\\"untrusted\\"');
      expect(results).toMatch(/cart-[a-z0-9]+-[a-z0-9]+/);
      expect(results).toMatch(
        /Proposed as prop_\w+ \(.*\), pending a human's approval\. Nothing has changed on the cluster/,
      );
      expect(results).toContain('the most a coding run may');
      // The cluster was not touched: only dry-runs reached it.
      expect(sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun)).toEqual([]);
      expect(sandbox.state.store.get(T.deployment, 'shop', 'cart')!.spec.replicas).not.toBe(3);
    } finally {
      await sandbox.stop();
    }
  }, 240_000);

  it('waits for approval of a live change it proposed when it changed nothing in the repository', async () => {
    const { env, dir } = setup();
    const kubeconfig = join(dir, 'kubeconfig');
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), kubeconfigPath: kubeconfig });
    try {
      agentScript(fake, [
        () => ({
          toolCalls: [{ name: 'mcp__clusterclaw__rollout_restart', input: { namespace: 'shop', name: 'cart' } }],
          stopReason: 'tool_use',
        }),
        done('The repository is right; the pods need a restart, which I proposed.'),
      ]);
      const changed = await run(
        ['change', '--repo', 'demo', 'Fix cart', '--as', 'U0ONCALL', '--json'],
        { ...env, KUBECONFIG: kubeconfig },
        undefined,
        180_000,
      );
      const report = JSON.parse(changed.stdout);
      expect(report.run.status).toBe('awaiting_approval');
      expect(report.run.summary).toMatch(/changed nothing in demo and proposed prop_\w+ for approval/);
      expect(report.proposals).toEqual([expect.objectContaining({ action: 'rollout_restart', status: 'pending' })]);
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
    const noCli = await run(['change', '--repo', 'demo', 'anything', '--as', 'U0ONCALL', '--json'], {
      ...env,
      CLAUDE_CODE_PATH: '/nonexistent/claude',
    });
    expect(JSON.parse(noCli.stdout).run).toMatchObject({
      status: 'escalated',
      summary: expect.stringContaining(
        'needs the Claude Code CLI: CLAUDE_CODE_PATH /nonexistent/claude does not exist',
      ),
    });
    const unknown = await run(['change', '--repo', 'nope', 'anything'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no repository "nope" in claw.yaml repos: one of demo');
  }, 120_000);
});
