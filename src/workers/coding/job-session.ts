import type { AgentJobs } from '../../cluster/agent-jobs.ts';
import type { JobRunnerConfig } from '../../config/config.ts';
import type { RunEventInput } from '../../domain/run-events.ts';
import { bundleHead, takeWork } from '../../git/job-bundles.ts';
import type { Workspace } from '../../git/workspace.ts';
import { Nudge, type WorkerContext } from '../worker.ts';
import type { CodingSession, TurnResult } from './coding-session.ts';
import type { JobGateway } from './job-gateway.ts';
import { agentJobSpec } from './job-spec.ts';

/** One line of an agent Job's log, as `claw agent-job` writes it (anything else is the CLI's noise). */
export type JobLine =
  | { claw: 'event'; event: RunEventInput }
  | { claw: 'heartbeat' }
  | { claw: 'result'; ok: boolean; summary: string; error?: string; commit?: string; bundle?: string };

const POLL_MS = 1000;
const PROGRESS = new Set<string>(['step', 'tool_call', 'tool_result']);

/**
 * A coding session whose turns run as Kubernetes Jobs (`workers.runner: kubernetes-job`). Each
 * turn is a Job from ClusterClaw's image: its pod fetches the brief, the clone (a bundle of this
 * clone's HEAD) and its configuration from this replica's gateway, runs the agent, and writes its
 * events and finally its work (a bundle) to its log, which this session reads. The work becomes
 * the working tree of this clone, and the gate takes it from there, as for a local agent. A pod
 * keeps no session between turns, so later turns carry the brief again with what happened since.
 */
export function jobSession(opts: {
  ctx: WorkerContext;
  ws: Workspace;
  agent: string;
  job: JobRunnerConfig;
  jobs: AgentJobs;
  gateway: JobGateway;
  proxy: { url: string; token: string };
  podConfig: string;
  deadlineSeconds: number;
}): CodingSession {
  const { ctx } = opts;
  let brief: string | undefined;
  const since: string[] = [];
  let turns = 0;
  return {
    async turn(message, signal) {
      const prompt = brief === undefined ? message : [brief, ...since, message].join('\n\n');
      brief ??= message;
      turns += 1;
      const result = await runTurn(prompt, signal);
      since.push(`Your previous turn ended: ${result.summary || result.error || 'without a word'}`.slice(0, 2000));
      return result;
    },
    async close() {},
  };

  async function runTurn(prompt: string, signal?: AbortSignal): Promise<TurnResult> {
    const name = `claw-agent-${ctx.run.id
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(-20)}-${ctx.run.attempt}-${turns}`;
    const token = opts.gateway.register({
      proxy: opts.proxy,
      brief: prompt,
      config: opts.podConfig,
      bundle: () => bundleHead(opts.ws.dir),
    });
    const stop = signal ? AbortSignal.any([ctx.signal, signal]) : ctx.signal;
    try {
      await opts.jobs.create(
        agentJobSpec({
          name,
          job: opts.job,
          runId: ctx.run.id,
          agent: opts.agent,
          gateway: opts.gateway.url,
          token,
          deadlineSeconds: opts.deadlineSeconds,
        }),
      );
      ctx.emit({ type: 'step', data: { message: `The agent's turn runs as Job ${opts.job.namespace}/${name}` } });
      const result = await follow(name, stop);
      if (stop.aborted) {
        if (signal?.aborted && signal.reason instanceof Nudge && !ctx.signal.aborted)
          return { ok: false, summary: '', nudged: signal.reason.context };
        return { ok: false, summary: '', error: 'the agent Job was stopped with its run' };
      }
      if (!result.line) return { ok: false, summary: '', error: `the agent Job ended without a result: ${result.why}` };
      const r = result.line;
      if (r.commit && r.bundle) await takeWork(opts.ws.dir, Buffer.from(r.bundle, 'base64'), r.commit);
      return r.ok ? { ok: true, summary: r.summary } : { ok: false, summary: r.summary, error: r.error };
    } finally {
      opts.gateway.unregister(token);
      await opts.jobs.delete(name).catch(() => {});
    }
  }

  /** Reads the pod's log as it grows until the pod ends (or the turn is stopped). */
  async function follow(
    name: string,
    stop: AbortSignal,
  ): Promise<{ line?: Extract<JobLine, { claw: 'result' }>; why?: string }> {
    let seen = 0;
    let pending: string | undefined;
    for (;;) {
      if (stop.aborted) return {};
      const state = await opts.jobs.podState(name);
      if (state.phase === 'pending') {
        // Scheduling and pulling the image are not the agent's stall; the wall clock still bounds them.
        ctx.heartbeat();
        if (state.reason && state.reason !== pending)
          ctx.emit({ type: 'step', data: { message: `The agent Job's pod waits: ${state.reason.slice(0, 200)}` } });
        pending = state.reason;
      } else if (state.pod) {
        const lines = (await opts.jobs.log(state.pod)).split('\n');
        // The last piece may be half a line while the pod writes: read it next time.
        const complete = state.phase === 'ended' ? lines.length : lines.length - 1;
        for (; seen < complete; seen++) {
          const line = parse(lines[seen]!);
          if (line?.claw === 'result') return { line };
          if (line?.claw === 'event') ctx.emit(line.event);
          if (lines[seen]!.trim()) ctx.heartbeat();
        }
        if (state.phase === 'ended')
          return { why: state.ok ? 'its pod exited without one' : (state.reason ?? 'its pod failed') };
      } else if (state.phase === 'ended') return { why: state.reason ?? 'its pod is gone' };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

function parse(text: string): JobLine | undefined {
  if (!text.startsWith('{"claw":')) return undefined;
  try {
    const line = JSON.parse(text) as JobLine;
    // The pod's log is the agent's to write on too: only progress events, never a proposal or a result's kind.
    if (line.claw === 'event' && (!PROGRESS.has(line.event?.type) || typeof line.event.data !== 'object'))
      return undefined;
    return line;
  } catch {
    return undefined;
  }
}
