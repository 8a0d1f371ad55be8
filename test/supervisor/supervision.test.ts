import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import type { Config, RunLimits } from '../../src/config/config.ts';
import { listRunEvents } from '../../src/store/run-events.ts';
import { cancelRun, getRun } from '../../src/store/runs.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { buildReport } from '../../src/tasks/report.ts';
import { useAgentHarness } from '../helpers/agent-harness.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const CLAUDE = 'anthropic:claude-sonnet-4-6';
const REPORT = {
  name: 'report',
  input: {
    summary: 'cart 1.4.2 crash-loops.',
    findings: [
      {
        category: 'crash_loop',
        summary: 'shop/cart crash-loops',
        object: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
        evidence: ['panic: invalid configuration'],
      },
    ],
  },
};

describe('the supervisor watches every run: stalls, retries, budgets, cancellation', () => {
  const h = useAgentHarness();

  function configWith(runs: Partial<RunLimits>): Config {
    const base = testConfig(['U0APPROVER1']);
    return {
      ...base,
      models: {
        ...base.models,
        anthropic: { apiKey: 'test-key', baseUrl: h.fake.url },
        routes: { investigate: [CLAUDE, 'runbooks'] },
      },
      runs: { ...base.runs, retryBackoff: { baseSeconds: 0.05, maxSeconds: 0.1 }, ...runs },
    };
  }
  const supervisorFor = (config: Config) =>
    testSupervisor({
      db: h.t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(h.sandbox),
      listen: h.t.listen,
      pollMs: 50,
      verifyTimeoutMs: 20_000,
    });
  const investigate = (question: string) =>
    createTask(h.t.db, { kind: 'investigate', source: 'cli', requester: 'cli:oncall', question, namespace: 'shop' });
  const steps = async (runId: string) =>
    (await listRunEvents(h.t.db, runId))
      .filter((e) => e.type === 'step')
      .map((e) => (e.data as { message: string }).message);

  it('nudges a stalled model with the task, its steps and the analyzer findings, and the run recovers', async () => {
    h.fake.requests.length = 0;
    const abandonedBefore = h.fake.abandoned;
    h.fake.script(
      { delayMs: 30_000, toolCalls: [{ name: 'find_problems', input: {} }] },
      { toolCalls: [{ id: 'toolu_r', ...REPORT }] },
    );
    const supervisor = supervisorFor(configWith({ stall: { seconds: 1.5, maxNudges: 2 } }));
    const { run } = await investigate('why is checkout failing?');
    const done = await driveRun(supervisor, h.t.db, run.id, 20_000);
    expect(done).toMatchObject({ status: 'succeeded', worker: CLAUDE, attempt: 1, nudges: 1 });
    expect(h.fake.abandoned).toBe(abandonedBefore + 1);
    // The re-asked turn carries the nudge: the task and the analyzers' ranked problems, fenced as untrusted data.
    const nudged = h.fake.requests[1]!.body.messages.at(-1)
      .content.map((c: { text?: string }) => c.text ?? '')
      .join('\n');
    expect(nudged).toMatch(/^No progress for \ds/m);
    expect(nudged).toContain('Task: why is checkout failing? (namespace shop)');
    expect(nudged).toMatch(
      /Analyzer findings:\n<cluster-data tool="find_problems" cluster="sandbox-\d+-[0-9a-f]{6}" trust="untrusted">/,
    );
    expect(nudged).toContain('crash_loop');
    expect(await steps(run.id)).toContainEqual(
      expect.stringMatching(/^No progress for \ds: nudging anthropic:claude-sonnet-4-6 .*\(1 of 2\)$/),
    );
    await supervisor.stop();
  });

  it('kills a run that stays stalled after its nudges and retries it with back-off on the next worker', async () => {
    h.fake.script({ delayMs: 30_000 }, { delayMs: 30_000 });
    const supervisor = supervisorFor(configWith({ stall: { seconds: 0.3, maxNudges: 1 } }));
    const { run } = await investigate('checkout is down');
    const done = await driveRun(supervisor, h.t.db, run.id, 30_000);
    // The runbooks take over on attempt 2: they find the crash loop and propose the rollback.
    expect(done).toMatchObject({ status: 'awaiting_approval', worker: 'runbooks', attempt: 2 });
    expect(done.history.map((h) => [h.worker, h.outcome])).toEqual([
      [CLAUDE, 'started'],
      [CLAUDE, 'stalled'],
      ['runbooks', 'started'],
      ['runbooks', 'finished'],
    ]);
    expect(done.history[1]!.reason).toMatch(/^no progress for \ds after 1 nudges$/);
    expect(await steps(run.id)).toContainEqual(
      expect.stringMatching(/^Attempt 1 of 3 failed \(no progress .*\); retrying on runbooks in 0\.\d+s$/),
    );
    await supervisor.stop();
  });

  it('ends with a partial answer when the token budget is spent, and records usage and cost', async () => {
    h.fake.requests.length = 0;
    h.fake.script(
      { usage: { input: 1000, output: 40 }, toolCalls: [{ name: 'find_problems', input: { namespace: 'shop' } }] },
      {
        usage: { input: 1200, output: 60 },
        text: 'The cart pods keep exiting; checking the logs next.',
        toolCalls: [{ name: 'list_pods', input: { namespace: 'shop' } }],
      },
    );
    const supervisor = supervisorFor(configWith({ budget: { ...testConfig([]).runs.budget, inputTokens: 2000 } }));
    const { run } = await investigate('checkout errors');
    const done = await driveRun(supervisor, h.t.db, run.id, 20_000);
    expect(done.status).toBe('escalated');
    expect(done.summary).toMatch(
      /^Partial answer \(the input-token budget \(2000\) is spent\)\. Known: the analyzers rank crash_loop on Deployment\/cart/,
    );
    expect(done.summary).toContain('the model\'s last word: "The cart pods keep exiting; checking the logs next."');
    expect(done.summary).toContain('Done: 2 tool calls (find_problems, list_pods)');
    expect(done).toMatchObject({ input_tokens: 2200, output_tokens: 100 });
    expect(Number(done.cost_usd)).toBeCloseTo((2200 * 3 + 100 * 15) / 1e6, 9);
    const report = await buildReport(h.t.db, run.id);
    expect(report.run.usage).toMatchObject({ inputTokens: 2200, outputTokens: 100 });
    expect(report.findings[0]).toMatchObject({ category: 'crash_loop', object: { kind: 'Deployment', name: 'cart' } });
    // No third turn was asked for: the budget stopped the loop before it.
    expect(h.fake.requests).toHaveLength(2);
  });

  it('keeps a namespaced task inside its namespace, whatever the model asks for', async () => {
    h.fake.requests.length = 0;
    h.fake.script(
      {
        toolCalls: [
          { name: 'list_pods', input: { namespace: 'kube-system' } },
          { name: 'list_nodes', input: {} },
        ],
      },
      { toolCalls: [{ name: 'rollout_restart', input: { namespace: 'payments', kind: 'Deployment', name: 'api' } }] },
      { toolCalls: [{ ...REPORT }] },
    );
    const supervisor = supervisorFor(configWith({}));
    const { run } = await investigate('checkout errors');
    expect(await driveRun(supervisor, h.t.db, run.id, 20_000)).toMatchObject({ status: 'succeeded' });
    const results = (i: number) => h.fake.requests[i]!.body.messages.at(-1).content;
    expect(results(1)[0]).toMatchObject({
      type: 'tool_result',
      is_error: true,
      content: 'error: list_pods: namespace "kube-system" is outside this task\'s scope (namespace shop)',
    });
    expect(results(1)[1]).toMatchObject({ type: 'tool_result', is_error: false }); // nodes are cluster-scoped: open
    expect(results(2)[0].content).toBe(
      'error: the proposal was refused: rollout_restart: namespace "payments" is outside this task\'s scope (namespace shop)',
    );
    // The refusal is in the thread, and nothing was proposed.
    const errors = (await listRunEvents(h.t.db, run.id))
      .filter((e) => e.type === 'error')
      .map((e) => (e.data as { message: string }).message);
    expect(errors).toEqual([
      'could not propose rollout_restart: rollout_restart: namespace "payments" is outside this task\'s scope (namespace shop)',
    ]);
    expect((await buildReport(h.t.db, run.id)).proposals).toEqual([]);
    await supervisor.stop();
  });

  it("opens a model's circuit after repeated unavailability and skips it, saying so, until the cooldown", async () => {
    h.fake.requests.length = 0;
    h.fake.script({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } });
    const config = configWith({});
    const supervisor = supervisorFor({
      ...config,
      models: { ...config.models, breaker: { failures: 1, cooldownSeconds: 300 } },
    });
    const first = await investigate('checkout errors');
    expect(await driveRun(supervisor, h.t.db, first.run.id, 20_000)).toMatchObject({ worker: 'runbooks' });
    expect(supervisor.breakers.open().map((b) => b.id)).toEqual([CLAUDE]);
    const second = await investigate('checkout errors again');
    expect(await driveRun(supervisor, h.t.db, second.run.id, 20_000)).toMatchObject({ worker: 'runbooks' });
    expect(h.fake.requests).toHaveLength(1); // the second run never called the open model
    expect(await steps(second.run.id)).toContain(
      `Skipping ${CLAUDE}: circuit open after repeated failures; using runbooks`,
    );
    await supervisor.stop();
  });

  it('posts the way back when an approved change applies but does not verify', async () => {
    const base = configWith({});
    const config = { ...base, models: { ...base.models, routes: { investigate: ['runbooks'] } } };
    const supervisor = testSupervisor({
      db: h.t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(h.sandbox),
      pollMs: 50,
      verifyTimeoutMs: 1500,
    });
    // Scaling a crash-looping Deployment up applies, but the rollout never becomes available.
    const { run, proposal } = await makeProposal(h.t.db, h.sandbox, config, 'scale', {
      namespace: 'shop',
      name: 'cart',
      replicas: 4,
    });
    expect(
      await decide({ db: h.t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ outcome: 'approved' });
    await driveRun(supervisor, h.t.db, run.id, 30_000);
    const all = await steps(run.id);
    expect(all).toContainEqual(
      expect.stringMatching(/^The change was applied but did not verify\. To undo it: .*scale/),
    );
    await supervisor.stop();
  });

  it('cancels a running run at once when asked, through NOTIFY, and says so', async () => {
    // Earlier tests leave runs waiting (a superseded proposal wakes its run): none may take this test's model turn.
    await h.t.db
      .updateTable('runs')
      .set({ status: 'cancelled' })
      .where('status', 'in', ['queued', 'awaiting_approval'])
      .execute();
    h.fake.requests.length = 0;
    h.fake.script({ delayMs: 30_000 });
    const supervisor = supervisorFor(configWith({ stall: { seconds: 60, maxNudges: 0 } }));
    await supervisor.start();
    const { run } = await investigate('slow one');
    await waitFor('the model turn to start', () => h.fake.requests.length >= 1, 10_000);
    expect(await cancelRun(h.t.db, run.id, 'U0ONCALL')).toBe('requested');
    const started = Date.now();
    const done = await waitFor(
      'the run to be cancelled',
      async () => {
        const r = await getRun(h.t.db, run.id);
        return r?.status === 'cancelled' ? r : undefined;
      },
      5000,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(done.summary).toBe('cancelled by U0ONCALL');
    expect((await listRunEvents(h.t.db, run.id)).at(-1)).toMatchObject({
      type: 'final',
      data: { status: 'cancelled' },
    });
    expect(await cancelRun(h.t.db, run.id, 'U0ONCALL')).toBe('finished');
    await supervisor.stop();
  });

  it("spreads a burst over the replicas instead of filling the first one's free slots", async () => {
    await h.t.db
      .updateTable('runs')
      .set({ status: 'cancelled' })
      .where('status', 'in', ['queued', 'awaiting_approval'])
      .execute();
    h.fake.responder = () => ({ delayMs: 30_000 });
    const config = configWith({
      stall: { seconds: 60, maxNudges: 0 },
      concurrency: { global: 100, perProcess: 32, perCluster: 100, perChannel: 4 },
    });
    const a = supervisorFor(config);
    const b = supervisorFor(config);
    try {
      await Promise.all([a.start(), b.start()]);
      for (let i = 0; i < 24; i++) await investigate(`burst ${i}`);
      await waitFor('the burst to be claimed', () => a.running + b.running === 24, 10_000);
      // Either replica has the slots for all 24; each claimed its share, a batch at a time.
      expect(Math.min(a.running, b.running)).toBeGreaterThanOrEqual(8);
    } finally {
      h.fake.responder = undefined;
      await Promise.all([a.stop(0), b.stop(0)]);
    }
  });
});
