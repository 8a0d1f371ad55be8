import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "deploy/values.yaml: replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
const REAL_KEY = 'sk-openai-real-key-0123456789abcdef';

/** The real Codex CLI (through the Codex SDK) against a scripted Responses API: each request gets the next step. */
function codexScript(fake: FakeModelServer, steps: ScriptedTurn[]) {
  let i = 0;
  fake.responder = () => steps[i++] ?? { text: 'Nothing more to do.' };
}
/** Codex's shell tool; it runs in the clone, inside Codex's sandbox. */
const shell = (cmd: string): ScriptedTurn => ({
  toolCalls: [{ name: 'exec_command', input: { cmd } }],
  stopReason: 'tool_use',
});
/** An edit the way Codex makes them: apply_patch, which Codex applies itself and reports as a file change. */
const patch = (from: string, to: string) =>
  shell(
    `apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: deploy/values.yaml\n@@\n-${from}\n+${to}\n*** End Patch\nEOF`,
  );
const done = (text: string): ScriptedTurn => ({ text });

describe('codex: a change task through the real Codex CLI, the CI gate and the executor', () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  function setup() {
    const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\nimage: shop/cart:1.4\n' });
    const dir = mkdtempSync(join(tmpdir(), 'claw-codex-'));
    writeFileSync(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER] }',
        'models: { routes: { change: ["codex:gpt-5.4"] } }',
        'repos:',
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", ciMaxFixAttempts: 1, paths: ["deploy/**"] }`,
      ].join('\n'),
    );
    const env = {
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      CLAW_DATA_DIR: join(dir, 'data'),
      OPENAI_API_KEY: REAL_KEY,
      OPENAI_BASE_URL: `${fake.url}/v1`,
    };
    return { r, dir, env };
  }

  it('edits in its sandboxed clone, gets CI failures in the same thread, fixes them, and is pushed once approved', async () => {
    const { r, dir, env } = setup();
    const outside = join(dir, 'escaped.txt');
    fake.requests.length = 0;
    codexScript(fake, [
      shell('cat deploy/values.yaml'),
      patch('replicas: 2', 'replicas: three'),
      // The sandbox: nothing written outside the clone, no network, nothing of ours in the environment.
      shell(`echo out > ${outside}`),
      shell(`curl -sS -m 3 ${fake.url}/v1/models`),
      shell('env'),
      done('Set replicas to three.'),
      patch('replicas: three', 'replicas: 3'),
      shell('sh ci.sh'),
      done('Fixed: replicas is the number 3, and CI passes.'),
    ]);
    const changed = await run(
      ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      180_000,
    );
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'codex:gpt-5.4' });
    const [proposal] = report.proposals;
    expect(proposal).toMatchObject({ action: 'git_change', status: 'pending' });
    expect(proposal.dryRun.diff).toContain('+replicas: 3');

    const outputs = JSON.stringify(fake.requests.map((q) => q.body?.input));
    expect(existsSync(outside)).toBe(false);
    expect(outputs).toMatch(/escaped\.txt: Read-only file system/);
    expect(outputs).toMatch(/curl: \(7\) Failed to connect/);
    expect(outputs).toContain('ci: values are valid');
    expect(outputs).not.toContain(REAL_KEY);
    expect(outputs).not.toMatch(/CLAW_DATA_DIR|CLAW_CONFIG|OPENAI_API_KEY/);
    // The fix turn carried CI's failure, in the thread that made the change.
    expect(outputs).toContain('CI failed (exit 1)');
    expect(outputs).toContain('replicas must be a whole number');
    const threads = new Set(
      fake.requests.filter((q) => q.path.startsWith('/v1/responses')).map((q) => q.body?.prompt_cache_key),
    );
    // Codex keys each request by its thread: one thread across both turns.
    expect([...threads]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    // The real key went upstream only from our proxy.
    expect(fake.requests.every((q) => q.headers.authorization === `Bearer ${REAL_KEY}`)).toBe(true);
    expect(git(r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');

    const shown = await run(['show', report.run.id, '--json'], env);
    const events = JSON.stringify(JSON.parse(shown.stdout));
    expect(events).toContain('Edit deploy/values.yaml');
    expect(events).toContain('Shell: sh ci.sh');

    const approved = await run(['approve', proposal.id, '--as', 'U0APPROVER'], env, undefined, 120_000);
    expect(approved.code, approved.stderr).toBe(0);
    const branch = git(r.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/claw');
    expect(git(r.bare, 'show', `${branch}:deploy/values.yaml`)).toContain('replicas: 3');
    expect(git(r.bare, 'show', 'main:deploy/values.yaml')).toContain('replicas: 2');
  }, 240_000);

  it("reaches the cluster only through ClusterClaw's vocabulary, relayed over stdio: reads fenced, writes only proposed", async () => {
    const { env, dir } = setup();
    const kubeconfig = join(dir, 'kubeconfig');
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), kubeconfigPath: kubeconfig });
    const vocabulary = (name: string, input: Record<string, unknown>): ScriptedTurn => ({
      toolCalls: [{ name, namespace: 'mcp__clusterclaw', input }],
      stopReason: 'tool_use',
    });
    try {
      fake.requests.length = 0;
      codexScript(fake, [
        vocabulary('list_pods', { namespace: 'shop' }),
        vocabulary('scale', { namespace: 'shop', name: 'cart', replicas: 3 }),
        // Its own shell has no cluster: no kubeconfig, no network.
        shell('kubectl get pods -A; echo kubectl=$?'),
        patch('replicas: 2', 'replicas: 3'),
        done('Scaled cart to 3 in values, and proposed the live scale.'),
      ]);
      const changed = await run(
        ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
        { ...env, KUBECONFIG: kubeconfig },
        undefined,
        180_000,
      );
      expect(changed.code, changed.stderr).toBe(0);
      const report = JSON.parse(changed.stdout);
      expect(report.proposals.map((p: { action: string }) => p.action).sort()).toEqual(['git_change', 'scale']);
      const outputs = JSON.stringify(fake.requests.map((q) => q.body?.input));
      expect(outputs).toContain('trust=\\"untrusted\\"');
      expect(outputs).toMatch(/cart-[a-z0-9]+-[a-z0-9]+/);
      expect(outputs).toMatch(/Proposed as prop_\w+ .*Nothing has changed on the cluster/);
      expect(outputs).toMatch(/kubectl=(127|1)/);
      expect(sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun)).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  }, 240_000);

  it('says at once what is missing when Codex cannot run', async () => {
    const { env } = setup();
    const none = await run(['change', '--repo', 'demo', 'anything', '--as', 'U0ONCALL', '--json'], {
      ...env,
      OPENAI_API_KEY: '',
    });
    expect(JSON.parse(none.stdout).run.summary).toContain('codex:gpt-5.4 needs OPENAI_API_KEY');
    const noCli = await run(['change', '--repo', 'demo', 'anything', '--as', 'U0ONCALL', '--json'], {
      ...env,
      CODEX_PATH: '/nonexistent/codex',
    });
    expect(JSON.parse(noCli.stdout).run.summary).toContain(
      'codex:gpt-5.4 needs the Codex CLI: CODEX_PATH /nonexistent/codex does not exist',
    );
  }, 120_000);
});
