import { propose } from '../approvals/propose.ts';
import { proposeGitChange } from '../approvals/propose-git-change.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { PrometheusClient } from '../cluster/prometheus.ts';
import { secretValues } from '../cluster/secret-values.ts';
import type { Config, ModelSpec } from '../config/config.ts';
import { OutOfScope } from '../domain/errors.ts';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import { getProposal } from '../store/proposals.ts';
import type { Run, Task } from '../store/schema.ts';
import { changeTaskOf } from '../store/tasks.ts';
import { createTask } from '../tasks/create-task.ts';
import { findTool } from '../tools/registry.ts';
import { type ReadToolOutput, runReadTool } from '../tools/run-read-tool.ts';
import { BudgetExhausted, type Worker, type WorkerContext } from '../workers/worker.ts';
import type { EventPump } from './event-pump.ts';
import type { UsageMeter } from './usage-meter.ts';

/** What the supervisor's attempt gives a worker besides the store and the cluster. */
export interface AttemptHooks {
  signal: AbortSignal;
  turnSignal(): AbortSignal;
  activity(): void;
  meter: UsageMeter;
  saveProgress(checkpoint: RunCheckpoint): Promise<void>;
}

/** Builds what a worker may touch: read tools, proposals, its own events. Nothing else. */
export function workerContext(opts: {
  db: Db;
  config: Config;
  reader: KubeReader;
  task: Task;
  run: Run;
  pump: EventPump;
  hooks: AttemptHooks;
  model?: ModelSpec;
  workerId?: string;
  metrics?: Metrics;
  /** The worker chain a task would get: whether a change task has a coding agent to run it. */
  workerChain?: (task: Task) => Worker[];
}): WorkerContext {
  const { db, config, reader, task, run, pump, hooks } = opts;
  const { signal, meter } = hooks;
  const budget = config.runs.budget;
  let secrets: Promise<string[]> | undefined;
  const prometheus = config.prometheus
    ? new PrometheusClient(config.prometheus.url, config.prometheus.token)
    : undefined;
  const tools = {
    reader,
    namespace: task.namespace ?? undefined,
    now: () => new Date(),
    prometheus,
    secretValues: () =>
      (secrets ??= secretValues(reader, task.namespace ?? undefined).catch((e) => {
        secrets = undefined;
        throw e;
      })),
  };
  // A task scoped to a namespace reads and changes only that namespace (cluster-scoped reads such
  // as nodes stay open: they explain scheduling). Whatever the model asks for.
  const inScope = (name: string, input: Record<string, unknown>) => {
    const ns = input.namespace;
    // A GitOps owner's tool checks its own scope: the owner must deploy into the task's namespace.
    if (findTool(name)?.scopeBy === 'owner') return;
    if (task.namespace && typeof ns === 'string' && ns !== task.namespace)
      throw new OutOfScope(`${name}: namespace "${ns}" is outside this task's scope (namespace ${task.namespace})`);
  };
  const step = () => {
    if (signal.aborted) throw signal.reason ?? new Error('run aborted');
    if (meter.steps >= budget.steps) throw new BudgetExhausted(`the step budget (${budget.steps} tool calls) is spent`);
    meter.steps += 1;
  };

  async function readTool(name: string, input: Record<string, unknown>): Promise<ReadToolOutput> {
    const tool = findTool(name);
    if (tool?.effect !== 'read') throw new Error(`no read tool "${name}"`);
    // Judged on the input as the tool will read it ("SHOP" is namespace shop).
    const parsed = tool.input.safeParse(input);
    inScope(name, parsed.success ? (parsed.data as Record<string, unknown>) : input);
    step();
    pump.push({ type: 'tool_call', data: { tool: name, cluster: reader.cluster, input } });
    const timer = opts.metrics?.toolSeconds.startTimer({ tool: name });
    try {
      const out = await runReadTool(tool, tools, input);
      timer?.({ ok: 'true' });
      pump.push({
        type: 'tool_result',
        data: {
          tool: name,
          ok: true,
          summary:
            summarize(out.data) +
            (out.truncated ? ` (trimmed to ${out.truncated.shown} of ${out.truncated.total})` : ''),
        },
      });
      return out;
    } catch (e) {
      timer?.({ ok: 'false' });
      pump.push({ type: 'tool_result', data: { tool: name, ok: false, summary: (e as Error).message } });
      throw e;
    }
  }

  return {
    task,
    run,
    checkpoint: run.checkpoint ?? undefined,
    tools,
    signal,
    turnSignal: hooks.turnSignal,
    heartbeat: hooks.activity,
    recordUsage: (u) => {
      const before = meter.costUsd;
      meter.add(u, opts.model);
      const worker = opts.workerId ?? 'unknown';
      opts.metrics?.modelTokens.inc({ worker, direction: 'input' }, u.inputTokens);
      opts.metrics?.modelTokens.inc({ worker, direction: 'output' }, u.outputTokens);
      opts.metrics?.modelCost.inc({ worker }, meter.costUsd - before);
    },
    recordReportedCost: (usd) => {
      const before = meter.costUsd;
      meter.addReported(usd, opts.model);
      opts.metrics?.modelCost.inc({ worker: opts.workerId ?? 'unknown' }, meter.costUsd - before);
    },
    budgetExhausted: () => meter.exhausted(),
    repo: task.repo ? config.repos[task.repo] : undefined,
    repos: config.repos,
    dataDir: config.dataDir,
    async proposeChange(input, repoName) {
      const name = repoName ?? task.repo;
      const repo = name ? config.repos[name] : undefined;
      if (!repo) throw new Error(`repository ${name ?? '(none)'} is not configured`);
      step();
      const proposal = await proposeGitChange({ db, config, reader }, { ...input, task, runId: run.id, repo });
      opts.metrics?.proposals.inc({ action: proposal.action, risk: proposal.risk });
      return proposal;
    },
    async startChange(req) {
      const chain = opts.workerChain?.({ ...task, kind: 'change', repo: req.repo }) ?? [];
      const unavailable = chain.length ? chain[0]!.unavailable : 'no worker chain for change tasks';
      if (unavailable) return { unavailable };
      const existing = await changeTaskOf(db, task.id, req.repo);
      if (existing) return { taskId: existing.id, existing: true };
      step();
      const { task: change } = await createTask(db, {
        kind: 'change',
        source: task.source,
        requester: task.requester,
        cluster: task.cluster,
        ...(task.namespace ? { namespace: task.namespace } : {}),
        question: req.question,
        repo: req.repo,
        ...(task.slack_channel
          ? {
              slack: {
                channel: task.slack_channel,
                ...(task.slack_thread_ts ? { threadTs: task.slack_thread_ts } : {}),
              },
            }
          : {}),
        ...(task.slack_team ? { slackTeam: task.slack_team } : {}),
        followUp: { parentTaskId: task.id, context: req.context },
        acceptance: req.acceptance,
        gitopsFix: req.gitopsFix,
      });
      return { taskId: change.id, existing: false };
    },
    saveProgress: hooks.saveProgress,
    emit: (e) => pump.push(e),
    getProposal: (id) => getProposal(db, id),
    async callTool(name, input) {
      return (await readTool(name, input)).data as never;
    },
    readTool,
    async propose(name, input) {
      const tool = findTool(name);
      if (tool?.effect !== 'write') throw new Error(`no write tool "${name}"`);
      const parsed = tool.input.parse(input);
      inScope(name, parsed as Record<string, unknown>);
      step();
      const plan = await tool.plan(tools, parsed);
      // Scope, policy and the dry-run judge the canonical request inside propose(), refusals recorded.
      const proposal = await propose({ db, reader, config }, { task, runId: run.id, plan });
      opts.metrics?.proposals.inc({ action: proposal.action, risk: proposal.risk });
      return { proposal, plan };
    },
  };
}

function summarize(result: unknown): string {
  if (Array.isArray(result)) return `${result.length} item${result.length === 1 ? '' : 's'}`;
  if (result && typeof result === 'object' && 'text' in result)
    return `${
      String((result as { text: string }).text)
        .split('\n')
        .filter(Boolean).length
    } lines`;
  return 'ok';
}
