import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { bundleWork, cloneBundle } from '../../git/job-bundles.ts';
import type { WorkerContext } from '../worker.ts';
import type { CodingWorker } from './change-worker.ts';
import type { JobLine } from './job-session.ts';

const MAX_WORK_BYTES = 4 * 1024 * 1024;

/**
 * One coding turn inside an agent Job's pod (`claw agent-job`): fetch the turn's configuration,
 * brief and clone from the replica's gateway, run the agent's session on it, and write its events
 * and then its work (a bundle) to stdout, the pod's log, for the replica to read. The pod has no
 * database, cluster, Git host or key: the gateway is all it reaches, with a token for this turn.
 */
export async function runJobTurn(opts: {
  config: Config;
  /** The coding worker the pod's configuration names (its session, without the gate). */
  workerOf(config: Config): CodingWorker;
  write(line: JobLine): void;
  signal: AbortSignal;
}): Promise<void> {
  const job = opts.config.agentJob;
  if (!job) throw new UsageError('claw agent-job runs inside an agent Job (CLAW_JOB_GATEWAY and CLAW_JOB_TOKEN)');
  const get = async (path: string) => {
    const res = await fetch(`${job.gateway}${path}`, { headers: { authorization: `Bearer ${job.token}` } });
    if (!res.ok) throw new Error(`the gateway answered ${res.status} for ${path}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const dir = opts.config.dataDir;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'claw.yaml'), await get('/job/config'));
  // The pod's agent calls the gateway as its model API, with the turn's token as its key.
  const config = loadConfig({
    CLAW_CONFIG: join(dir, 'claw.yaml'),
    CLAW_DATA_DIR: dir,
    ANTHROPIC_API_KEY: job.token,
    ANTHROPIC_BASE_URL: job.gateway,
    OPENAI_API_KEY: job.token,
    OPENAI_BASE_URL: `${job.gateway}/v1`,
    CLAW_JOB_TOKEN: job.token,
  });
  const brief = (await get('/job/brief')).toString('utf8');
  const repo = Object.values(config.repos)[0];
  if (!repo) throw new Error("the gateway's configuration names no repository");
  const ws = await cloneBundle(await get('/job/bundle'), join(dir, 'clone'), repo.branch);
  const worker = opts.workerOf(config);
  const ctx = podContext(config, opts);
  const session = await worker.open(ctx, ws, repo, []);
  try {
    const result = await session.turn(brief);
    const work = await bundleWork(ws);
    // The kubelet rotates a container's log at 10 MiB by default: the work must fit well inside it.
    if (work && work.bundle.length > MAX_WORK_BYTES) {
      opts.write({
        claw: 'result',
        ok: false,
        summary: result.summary,
        error: `the agent's work is ${(work.bundle.length / 1048576).toFixed(1)} MiB as a bundle, more than a Job's log can carry (${MAX_WORK_BYTES / 1048576} MiB)`,
      });
      return;
    }
    opts.write({
      claw: 'result',
      ok: result.ok,
      summary: result.summary,
      ...(result.error ? { error: result.error } : {}),
      ...(work ? { commit: work.commit, bundle: work.bundle.toString('base64') } : {}),
    });
  } finally {
    await session.close();
  }
}

/**
 * What a session needs of its run, in a pod: events and liveness go to the log; usage and the
 * budget are the replica's (its model proxy meters and enforces them). The pod reaches no cluster,
 * so the vocabulary answers that it is not available here.
 */
function podContext(config: Config, opts: { write(line: JobLine): void; signal: AbortSignal }): WorkerContext {
  let beat = 0;
  const noCluster = async (): Promise<never> => {
    throw new Error('the cluster vocabulary is not available to an agent running as a Kubernetes Job');
  };
  return {
    emit: (event) => opts.write({ claw: 'event', event }),
    heartbeat: () => {
      if (Date.now() - beat < 1000) return;
      beat = Date.now();
      opts.write({ claw: 'heartbeat' });
    },
    signal: opts.signal,
    turnSignal: () => opts.signal,
    recordUsage: () => {},
    recordReportedCost: () => {},
    budgetExhausted: () => undefined,
    callTool: noCluster,
    readTool: noCluster,
    propose: noCluster,
    proposeChange: noCluster,
    startChange: noCluster,
    getProposal: async () => undefined,
    saveProgress: async () => {},
    repo: undefined,
    repos: {},
    dataDir: config.dataDir,
    checkpoint: undefined,
    // Sessions read only the run's id and attempt (names of their own files).
    run: { id: 'job', attempt: 1 } as WorkerContext['run'],
    task: {} as WorkerContext['task'],
    tools: {} as WorkerContext['tools'],
  };
}
