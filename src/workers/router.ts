import type { Config, ModelSpec } from '../config/config.ts';
import { ALERT_CATEGORIES } from '../domain/alert-catalog.ts';
import { Slots } from '../lib/slots.ts';
import { AnthropicModel } from '../models/anthropic-model.ts';
import type { ModelClient } from '../models/model.ts';
import { OpenAIChatModel } from '../models/openai-chat-model.ts';
import { OpenAIResponsesModel } from '../models/openai-responses-model.ts';
import type { Task } from '../store/schema.ts';
import { agentWorker } from './agent/agent-worker.ts';
import { builtinCodingWorker } from './coding/builtin-coding-worker.ts';
import type { CodingWorker } from './coding/change-worker.ts';
import { claudeCodeExecutable, claudeCodeWorker } from './coding/claude-code-worker.ts';
import { codexExecutable, codexWorker } from './coding/codex-worker.ts';
import { jobWorkerFor } from './coding/job-worker.ts';
import { type OpenclawEndpoint, openclawExecutable, openclawWorker } from './coding/openclaw-worker.ts';
import { alertRunbookWorker, runbookWorker } from './runbook-worker.ts';
import type { Worker } from './worker.ts';

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_OPENAI_MODEL = 'gpt-5.4';

/**
 * A worker id → the model client behind it, or undefined when its credentials are absent
 * (such a worker is skipped, as docs/configuration.md says). `runbooks` needs none.
 */
export function modelFor(id: string, config: Config): ModelClient | undefined {
  const i = id.indexOf(':');
  const spec = config.models.registry[id] ?? (i > 0 ? { provider: id.slice(0, i), model: id.slice(i + 1) } : undefined);
  return spec ? fromSpec(id, spec, config) : undefined;
}

/** A registry entry: its own endpoint and key, else its provider's. */
function fromSpec(id: string, spec: ModelSpec, config: Config): ModelClient | undefined {
  const m = config.models;
  if (spec.provider === 'anthropic') {
    const apiKey = spec.apiKey ?? m.anthropic.apiKey;
    return apiKey
      ? new AnthropicModel({ id, model: spec.model, apiKey, baseURL: spec.baseUrl ?? m.anthropic.baseUrl })
      : undefined;
  }
  if (spec.provider === 'openai') {
    const apiKey = spec.apiKey ?? m.openai.apiKey;
    return apiKey
      ? new OpenAIResponsesModel({ id, model: spec.model, apiKey, baseURL: spec.baseUrl ?? m.openai.baseUrl })
      : undefined;
  }
  // Self-hosted OpenAI-compatible servers often need no key; the SDK insists on one.
  const p = m.providers[spec.provider];
  const baseURL = spec.baseUrl ?? p?.baseUrl;
  return baseURL
    ? new OpenAIChatModel({ id, model: spec.model, apiKey: spec.apiKey ?? p?.apiKey ?? 'unused', baseURL })
    : undefined;
}

/**
 * Task kind → ordered worker chain: claw.yaml `models.routes`, or by default a default Anthropic
 * model when ANTHROPIC_API_KEY is set, then a default OpenAI model when OPENAI_API_KEY is set.
 * Workers without credentials are skipped; `runbooks` is always the last resort.
 */
export function workerChain(task: Task, config: Config, cache = new Map<string, Worker>()): Worker[] {
  if (task.kind === 'change') return changeChain(config, cache);
  // A posture review and a generated bundle are deterministic by default; models.routes opts a model in.
  if ((task.kind === 'security' || task.kind === 'generate') && !config.models.routes[task.kind])
    return [runbookWorker];
  const defaults = [
    ...(config.models.anthropic.apiKey ? [`anthropic:${DEFAULT_ANTHROPIC_MODEL}`] : []),
    ...(config.models.openai.apiKey ? [`openai:${DEFAULT_OPENAI_MODEL}`] : []),
  ];
  // `alert:<AlertName>` routes an alert's tasks; else the task kind's route; else the defaults.
  const alertRoute = task.alert?.alertnames.map((n) => config.models.routes[`alert:${n}`]).find(Boolean);
  const route = alertRoute ?? config.models.routes[task.kind] ?? defaults;
  const chain: Worker[] = [];
  for (const id of route) {
    if (id === 'runbooks') chain.push(runbookWorker);
    else {
      // One client per model per process: SDK clients hold connection pools.
      let worker = cache.get(id);
      if (!worker) {
        const model = modelFor(id, config);
        if (model) {
          worker = agentWorker(model, { contextWindow: config.models.registry[id]?.contextWindow });
          cache.set(id, worker);
        }
      }
      if (worker) chain.push(worker);
    }
  }
  if (!chain.includes(runbookWorker)) chain.push(runbookWorker);
  // A known alert goes to the runbooks first when its analyzers explain it; they hand over otherwise.
  if (!alertRoute && chain[0] !== runbookWorker && task.alert?.alertnames.some((n) => n in ALERT_CATEGORIES))
    chain.unshift(alertRunbookWorker);
  return chain;
}

/** workers.concurrency: one pool of coding-agent slots per configuration (per replica). */
const SLOTS = new WeakMap<Config, Slots>();

/**
 * A change task's chain: coding agents only (`models.routes.change`, by default Claude Code when
 * ANTHROPIC_API_KEY is set). The runbooks cannot write code: with no coding worker available the
 * chain is one that escalates at once, naming what each configured worker lacks.
 */
function changeChain(config: Config, cache: Map<string, Worker>): Worker[] {
  const slots = SLOTS.get(config) ?? new Slots(config.workers.concurrency);
  SLOTS.set(config, slots);
  const route = config.models.routes.change ?? [`claude-code:${DEFAULT_ANTHROPIC_MODEL}`];
  const chain: Worker[] = [];
  const missing: string[] = [];
  // Keyed apart from the investigation workers: the same model id is another worker here.
  const key = (id: string) => `change:${id}`;
  for (const id of route) {
    const cached = cache.get(key(id));
    if (cached) {
      chain.push(cached);
      continue;
    }
    const i = id.indexOf(':');
    const spec = config.models.registry[id] ?? { provider: id.slice(0, i), model: id.slice(i + 1) };
    // kubernetes-job: each turn in a Job from ClusterClaw's image, which ships the CLIs.
    const made =
      config.workers.runner === 'kubernetes-job'
        ? jobWorkerFor(id, spec, config, slots)
        : codingWorkerFor(id, spec, config, slots);
    if ('missing' in made) missing.push(made.missing);
    else {
      cache.set(key(id), made.worker);
      chain.push(made.worker);
    }
  }
  return chain.length ? chain : [noCodingWorker(missing)];
}

/**
 * The coding worker a change route's id names, run here (what an agent Job's pod runs), or what it
 * lacks. Its `open` is the session alone; the gate is the replica's.
 */
export function localCodingWorker(id: string, config: Config): { worker: CodingWorker } | { missing: string } {
  const i = id.indexOf(':');
  const spec = config.models.registry[id] ?? { provider: id.slice(0, i), model: id.slice(i + 1) };
  return codingWorkerFor(id, spec, config, new Slots(1));
}

/** The coding-agent CLIs: the key each takes, where its CLI is, and its worker. */
const CLI_AGENTS = {
  'claude-code': {
    cli: 'the Claude Code CLI',
    keyEnv: 'ANTHROPIC_API_KEY',
    endpoint: (c: Config) => c.models.anthropic,
    find: (c: Config) => claudeCodeExecutable(c.models.agentClis.claudeCode),
    make: claudeCodeWorker,
  },
  codex: {
    cli: 'the Codex CLI',
    keyEnv: 'OPENAI_API_KEY',
    endpoint: (c: Config) => c.models.openai,
    find: (c: Config) => codexExecutable(c.models.agentClis.codex),
    make: codexWorker,
  },
};

/** One worker of a change route, or what it lacks: a CLI agent, or any other model through ClusterClaw's own loop. */
function codingWorkerFor(
  id: string,
  spec: ModelSpec,
  config: Config,
  slots: Slots,
): { worker: CodingWorker } | { missing: string } {
  const agent = CLI_AGENTS[spec.provider as keyof typeof CLI_AGENTS];
  if (agent) {
    const endpoint = agent.endpoint(config);
    const apiKey = spec.apiKey ?? endpoint.apiKey;
    if (!apiKey) return { missing: `${id} needs ${agent.keyEnv}` };
    const cli = agent.find(config);
    if ('missing' in cli) return { missing: `${id} needs ${agent.cli}: ${cli.missing}` };
    const baseUrl = spec.baseUrl ?? endpoint.baseUrl;
    return { worker: agent.make(id, spec.model, { apiKey, baseUrl, executable: cli.path, slots }) };
  }
  if (spec.provider === 'openclaw') return openclawFor(id, spec.model, config, slots);
  // Any other model a route names runs ClusterClaw's own coding loop (Hermes, vLLM, Ollama…).
  const model = modelFor(id, config);
  return model
    ? { worker: builtinCodingWorker(model, slots) }
    : { missing: `${id} has no credentials or endpoint (see models in claw.yaml)` };
}

/**
 * `openclaw:<provider>/<model>`: OpenClaw with the provider's endpoint and key behind our proxy.
 * `anthropic` and `openai` are the configured APIs; any other provider is a `models.providers`
 * entry (an OpenAI-compatible server, like the built-in loop's).
 */
function openclawFor(
  id: string,
  target: string,
  config: Config,
  slots: Slots,
): { worker: CodingWorker } | { missing: string } {
  const slash = target.indexOf('/');
  if (slash <= 0) return { missing: `${id}: name OpenClaw's model as openclaw:<provider>/<model>` };
  const provider = target.slice(0, slash);
  const model = target.slice(slash + 1);
  const spec = config.models.registry[id];
  const m = config.models;
  let endpoint: OpenclawEndpoint | undefined;
  if (provider === 'anthropic' || provider === 'openai') {
    const apiKey = spec?.apiKey ?? m[provider].apiKey;
    if (!apiKey) return { missing: `${id} needs ${provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY'}` };
    endpoint =
      provider === 'anthropic'
        ? {
            wire: 'anthropic',
            api: 'anthropic-messages',
            apiKey,
            baseUrl: spec?.baseUrl ?? m.anthropic.baseUrl ?? 'https://api.anthropic.com',
          }
        : {
            wire: 'openai',
            api: 'openai-responses',
            apiKey,
            baseUrl: spec?.baseUrl ?? m.openai.baseUrl ?? 'https://api.openai.com/v1',
          };
  } else {
    const p = m.providers[provider];
    const baseUrl = spec?.baseUrl ?? p?.baseUrl;
    if (!baseUrl) return { missing: `${id}: no models.providers.${provider} endpoint in claw.yaml` };
    endpoint = { wire: 'openai', api: 'openai-completions', apiKey: spec?.apiKey ?? p?.apiKey ?? 'unused', baseUrl };
  }
  const cli = openclawExecutable(m.agentClis.openclaw);
  if ('missing' in cli) return { missing: `${id} needs the OpenClaw CLI: ${cli.missing}` };
  return {
    worker: openclawWorker(id, model, {
      endpoint,
      executable: cli.path,
      timeoutSeconds: config.runs.budget.wallSeconds,
      slots,
    }),
  };
}

function noCodingWorker(missing: string[]): Worker {
  const unavailable = `No coding agent can take this change: ${missing.join('; ') || 'models.routes.change names none'}.`;
  return { id: 'none', unavailable, run: async () => ({ status: 'escalated', summary: unavailable }) };
}
