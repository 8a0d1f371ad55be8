import { agentWorker } from '../agent/agent-worker.ts';
import type { Config } from '../config.ts';
import { AnthropicModel } from '../models/anthropic-model.ts';
import type { ModelClient } from '../models/model.ts';
import { OpenAIChatModel } from '../models/openai-chat-model.ts';
import { OpenAIResponsesModel } from '../models/openai-responses-model.ts';
import type { Task } from '../store/schema.ts';
import { runbookWorker } from './runbook-worker.ts';
import type { Worker } from './worker.ts';

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_OPENAI_MODEL = 'gpt-5.4';

/**
 * A worker id → the model client behind it, or undefined when its credentials are absent
 * (such a worker is skipped, as CONTRACT.md says). `runbooks` needs none.
 */
export function modelFor(id: string, config: Config): ModelClient | undefined {
  const i = id.indexOf(':');
  if (i <= 0) return undefined;
  const provider = id.slice(0, i);
  const model = id.slice(i + 1);
  const m = config.models;
  if (provider === 'anthropic') return m.anthropic.apiKey ? new AnthropicModel({ model, apiKey: m.anthropic.apiKey, baseURL: m.anthropic.baseUrl }) : undefined;
  if (provider === 'openai') return m.openai.apiKey ? new OpenAIResponsesModel({ model, apiKey: m.openai.apiKey, baseURL: m.openai.baseUrl }) : undefined;
  const p = m.providers[provider];
  // Self-hosted OpenAI-compatible servers often need no key; the SDK insists on one.
  return p ? new OpenAIChatModel({ id, model, apiKey: p.apiKey ?? 'unused', baseURL: p.baseUrl }) : undefined;
}

/**
 * Task kind → ordered worker chain: claw.yaml `models.routes`, or by default a default Anthropic
 * model when ANTHROPIC_API_KEY is set, then a default OpenAI model when OPENAI_API_KEY is set.
 * Workers without credentials are skipped; `runbooks` is always the last resort.
 */
export function workerChain(task: Task, config: Config): Worker[] {
  const defaults = [
    ...(config.models.anthropic.apiKey ? [`anthropic:${DEFAULT_ANTHROPIC_MODEL}`] : []),
    ...(config.models.openai.apiKey ? [`openai:${DEFAULT_OPENAI_MODEL}`] : []),
  ];
  const route = config.models.routes[task.kind] ?? defaults;
  const chain: Worker[] = [];
  for (const id of route) {
    if (id === 'runbooks') chain.push(runbookWorker);
    else {
      const model = modelFor(id, config);
      if (model) chain.push(agentWorker(model));
    }
  }
  if (!chain.includes(runbookWorker)) chain.push(runbookWorker);
  return chain;
}
