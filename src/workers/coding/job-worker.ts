import { stringify } from 'yaml';
import { AgentJobs } from '../../cluster/agent-jobs.ts';
import type { Config, ModelSpec, RepoConfig } from '../../config/config.ts';
import type { Slots } from '../../lib/slots.ts';
import type { Worker } from '../worker.ts';
import { agentProcessBase } from './agent-process.ts';
import { codingWorker } from './change-worker.ts';
import { jobGateway } from './job-gateway.ts';
import { jobSession } from './job-session.ts';
import type { ModelWire } from './model-proxy.ts';

/** Where a coding agent's model calls really go: its wire, the endpoint (without `/v1`) and key. */
interface Upstream {
  wire: ModelWire;
  upstream: string;
  apiKey: string;
  /** A models.providers entry the pod needs, pointed at the gateway (with `/v1` if the real one has it). */
  provider?: { name: string; v1: boolean };
}

/**
 * A change route's worker when `workers.runner` is `kubernetes-job`: the same gate, with each turn
 * of the agent in a Job (jobSession). The real key stays in this replica's model proxy; the pod
 * holds a token for one turn. The CLIs are the image's, so nothing is looked up here.
 */
export function jobWorkerFor(
  id: string,
  spec: ModelSpec,
  config: Config,
  slots: Slots,
): { worker: Worker } | { missing: string } {
  const job = config.workers.job!;
  const up = upstreamOf(id, spec, config);
  if ('missing' in up) return up;
  let jobs: AgentJobs | undefined;
  return {
    worker: codingWorker(
      id,
      async (ctx, ws, repo) => {
        jobs ??= AgentJobs.fromConfig({ kubeconfig: config.kubeconfig, namespace: job.namespace });
        const { proxy } = await agentProcessBase(ctx, ws, up);
        const gateway = await jobGateway({ host: job.gatewayHost, port: job.gatewayPort, url: job.gatewayUrl });
        const session = jobSession({
          ctx,
          ws,
          agent: id,
          job,
          jobs,
          gateway,
          proxy,
          podConfig: podConfig(id, spec, repo, gateway.url, up.provider),
          deadlineSeconds: config.runs.timeoutSeconds,
        });
        return {
          turn: (m, s) => session.turn(m, s),
          close: async () => {
            await session.close();
            await proxy.close();
          },
        };
      },
      slots,
    ),
  };
}

/** The agent's real endpoint, by what the id names: the CLI's API, OpenClaw's provider, or the loop's model. */
export function upstreamOf(id: string, spec: ModelSpec, config: Config): Upstream | { missing: string } {
  const m = config.models;
  const v1less = (u: string) => u.replace(/\/v1\/?$/, '').replace(/\/+$/, '');
  const api = (provider: string): Upstream | { missing: string } => {
    if (provider === 'anthropic') {
      const apiKey = spec.apiKey ?? m.anthropic.apiKey;
      return apiKey
        ? {
            wire: 'anthropic',
            upstream: v1less(spec.baseUrl ?? m.anthropic.baseUrl ?? 'https://api.anthropic.com'),
            apiKey,
          }
        : { missing: `${id} needs ANTHROPIC_API_KEY` };
    }
    if (provider === 'openai') {
      const apiKey = spec.apiKey ?? m.openai.apiKey;
      return apiKey
        ? { wire: 'openai', upstream: v1less(spec.baseUrl ?? m.openai.baseUrl ?? 'https://api.openai.com/v1'), apiKey }
        : { missing: `${id} needs OPENAI_API_KEY` };
    }
    const p = m.providers[provider];
    const baseUrl = spec.baseUrl ?? p?.baseUrl;
    if (!baseUrl) return { missing: `${id}: no models.providers.${provider} endpoint in claw.yaml` };
    return {
      wire: 'openai',
      upstream: v1less(baseUrl),
      apiKey: spec.apiKey ?? p?.apiKey ?? 'unused',
      provider: { name: provider, v1: /\/v1\/?$/.test(baseUrl) },
    };
  };
  if (spec.provider === 'claude-code') return api('anthropic');
  if (spec.provider === 'codex') return api('openai');
  if (spec.provider === 'openclaw') {
    const slash = spec.model.indexOf('/');
    return slash > 0
      ? api(spec.model.slice(0, slash))
      : { missing: `${id}: name OpenClaw's model as openclaw:<provider>/<model>` };
  }
  return api(spec.provider);
}

/**
 * The pod's claw.yaml: this one agent on the change route, the repository's rules for agents, and
 * any provider endpoint pointed back at the gateway. No key, no other repository, nothing else.
 */
export function podConfig(
  id: string,
  spec: ModelSpec,
  repo: RepoConfig,
  gateway: string,
  provider?: Upstream['provider'],
): string {
  return stringify({
    models: {
      routes: { change: [id] },
      // Its key is the turn's token (the pod's environment), which the gateway accepts.
      ...(provider
        ? {
            providers: {
              [provider.name]: { baseUrl: provider.v1 ? `${gateway}/v1` : gateway, apiKeyEnv: 'CLAW_JOB_TOKEN' },
            },
          }
        : {}),
      registry: { [id]: { provider: spec.provider, model: spec.model } },
    },
    repos: {
      [repo.name]: {
        // The pod clones from the gateway's bundle: this URL is never fetched.
        url: 'file:///nonexistent',
        branch: repo.branch,
        ci: repo.ci,
        paths: [...repo.paths],
        agentCommands: [...repo.agentCommands],
      },
    },
  });
}
