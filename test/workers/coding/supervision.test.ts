import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { editStep, readFileStep } from '../../helpers/claude-code-script.ts';
import { run } from '../../helpers/cli.ts';
import { bareRepo } from '../../helpers/git-repo.ts';

const CI_SH = `grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml`;
/** A model that never answers: the agent's CLI waits on it, silent. */
const HANG: ScriptedTurn = { text: 'too late', delayMs: 600_000 };

/**
 * The supervisor treats every coding agent as a worker in a fleet: a silent one is nudged (its
 * turn interrupted, the same session continued with what done means and what it did), one going
 * in circles likewise, and one still stuck after the last nudge is killed and the run retried on
 * the next worker of the route, told how the attempt before it ended.
 */
describe('supervising coding agents: stalls, loops, kills and hand-over', () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  /** `stall.seconds` 5: short for a test, long enough for a CLI to start on a loaded machine. */
  function setup(route: string[], maxNudges: number, runs = '') {
    const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\n' });
    const dir = mkdtempSync(join(tmpdir(), 'claw-supervise-'));
    writeFileSync(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER] }',
        `models: { routes: { change: ${JSON.stringify(route)} } }`,
        `runs: { stall: { seconds: 5, maxNudges: ${maxNudges} }, retryBackoff: { baseSeconds: 0.2, maxSeconds: 1 }${runs} }`,
        'repos:',
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", paths: ["deploy/**"] }`,
      ].join('\n'),
    );
    return {
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      CLAW_DATA_DIR: join(dir, 'data'),
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-openai-test',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    };
  }

  /** Claude Code's steps in order; `cwd` is its clone, stated in its first request. */
  function claudeScript(steps: ((cwd: string) => ScriptedTurn)[], codex: ScriptedTurn[] = []) {
    let cwd = '';
    let i = 0;
    let j = 0;
    fake.responder = (body, path) => {
      if (path.startsWith('/v1/responses')) return codex[j++] ?? { text: 'Nothing more to do.' };
      const m = /working directory: (\S+?)(?:\\n|\s)/.exec(JSON.stringify(body));
      if (m && !cwd) cwd = m[1]!;
      const step = steps[i++];
      return step ? step(cwd) : HANG;
    };
  }
  const change = (env: Record<string, string>) =>
    run(
      ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
      env,
      undefined,
      180_000,
    );
  /** The run's events as `claw show --json` lists them. */
  const events = async (env: Record<string, string>, runId: string) =>
    JSON.stringify(JSON.parse((await run(['show', runId, '--json'], env)).stdout));
  const sent = () => JSON.stringify(fake.requests.map((q) => q.body?.messages ?? q.body?.input));

  it('nudges a silent agent: its turn is interrupted and the same session carries on with what done means', async () => {
    const env = setup(['claude-code:claude-sonnet-4-6'], 2);
    fake.requests.length = 0;
    claudeScript([
      readFileStep('deploy/values.yaml'),
      () => HANG,
      editStep('deploy/values.yaml', 'replicas: 2', 'replicas: 3'),
      () => ({ text: 'Scaled cart to 3.' }),
    ]);
    const changed = await change(env);
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run.status).toBe('awaiting_approval');
    expect(report.proposals[0]).toMatchObject({ action: 'git_change' });
    expect(await events(env, report.run.id)).toMatch(/No progress for \d+s: nudging claude-code:claude-sonnet-4-6/);
    expect(sent()).toContain('Stop what you are doing and carry on with the change');
    expect(sent()).toContain('Done means:');
    expect(new Set(fake.requests.map((q) => q.headers['x-claude-code-session-id'])).size).toBe(1);
    expect(fake.abandoned).toBeGreaterThan(0);
  }, 240_000);

  it('catches an agent going in circles (the same call three times) and nudges it out', async () => {
    const env = setup(['claude-code:claude-sonnet-4-6'], 2);
    fake.requests.length = 0;
    claudeScript([
      readFileStep('deploy/values.yaml'),
      readFileStep('deploy/values.yaml'),
      readFileStep('deploy/values.yaml'),
      editStep('deploy/values.yaml', 'replicas: 2', 'replicas: 3'),
      () => ({ text: 'Scaled cart to 3.' }),
    ]);
    const changed = await change(env);
    const report = JSON.parse(changed.stdout);
    expect(report.run.status).toBe('awaiting_approval');
    expect(await events(env, report.run.id)).toContain(
      'Going in circles: it called claude-code:Read with the same input 3 times',
    );
    expect(sent()).toContain('Going in circles');
  }, 240_000);

  it('kills an agent still stuck after its last nudge and retries on the next worker, which hears why', async () => {
    const env = setup(['claude-code:claude-sonnet-4-6', 'codex:gpt-5.4'], 1);
    fake.requests.length = 0;
    claudeScript(
      [readFileStep('deploy/values.yaml')],
      [
        {
          toolCalls: [
            {
              name: 'exec_command',
              input: {
                cmd: "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: deploy/values.yaml\n@@\n-replicas: 2\n+replicas: 3\n*** End Patch\nEOF",
              },
            },
          ],
          stopReason: 'tool_use',
        },
        { text: 'Scaled cart to 3.' },
      ],
    );
    const changed = await change(env);
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'codex:gpt-5.4' });
    const history = report.run.history as { worker: string; outcome: string; reason?: string }[];
    expect(history).toContainEqual(
      expect.objectContaining({
        worker: 'claude-code:claude-sonnet-4-6',
        outcome: 'stalled',
        reason: expect.stringMatching(/no progress for \d+s after 1 nudges/),
      }),
    );
    const codexBrief = JSON.stringify(fake.requests.filter((q) => q.path.startsWith('/v1/responses'))[0]?.body);
    expect(codexBrief).toContain('Earlier attempts at this task did not finish');
    expect(codexBrief).toContain('claude-code:claude-sonnet-4-6: stalled');
  }, 240_000);

  it('nudges a silent Codex too: its turn is stopped and the same thread resumed with the nudge', async () => {
    const env = setup(['codex:gpt-5.4'], 2);
    fake.requests.length = 0;
    const steps: ScriptedTurn[] = [
      HANG,
      {
        toolCalls: [
          {
            name: 'exec_command',
            input: {
              cmd: "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: deploy/values.yaml\n@@\n-replicas: 2\n+replicas: 3\n*** End Patch\nEOF",
            },
          },
        ],
        stopReason: 'tool_use',
      },
      { text: 'Scaled cart to 3.' },
    ];
    let i = 0;
    fake.responder = () => steps[i++] ?? HANG;
    const changed = await change(env);
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run).toMatchObject({ status: 'awaiting_approval', worker: 'codex:gpt-5.4' });
    expect(await events(env, report.run.id)).toMatch(/No progress for \d+s: nudging codex:gpt-5.4/);
    const codex = fake.requests.filter((q) => q.path.startsWith('/v1/responses'));
    expect(JSON.stringify(codex.at(-1)?.body)).toContain('Stop what you are doing and carry on with the change');
    // The resumed thread is the same one.
    expect(new Set(codex.map((q) => q.body?.prompt_cache_key)).size).toBe(1);
  }, 240_000);

  it("stops an agent at the run's budget with what it got to: its partial work named, nothing proposed", async () => {
    // Each scripted answer reports 20 output tokens: the third spends the budget, the fourth is refused.
    const env = setup(['claude-code:claude-sonnet-4-6'], 2, ', budget: { outputTokens: 50 }');
    fake.requests.length = 0;
    claudeScript([
      readFileStep('deploy/values.yaml'),
      editStep('deploy/values.yaml', 'replicas: 2', 'replicas: 3'),
      readFileStep('deploy/values.yaml'),
      () => ({ text: 'Scaled cart to 3.' }),
    ]);
    const changed = await change(env);
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout);
    expect(report.run.status).toBe('escalated');
    expect(report.run.summary).toMatch(
      /^Stopped: the output-token budget \(50\) is spent\. Nothing was proposed or pushed\. The agent had changed, in its clone: M deploy\/values\.yaml\./,
    );
    expect(report.proposals).toEqual([]);
    expect(report.run.usage.outputTokens).toBeGreaterThanOrEqual(50);
  }, 240_000);
});
