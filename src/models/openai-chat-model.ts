import OpenAI from 'openai';
import { ModelUnavailable } from '../domain/errors.ts';
import {
  isRetryableStatus,
  type ModelClient,
  type ModelMessage,
  type ModelTurn,
  parseArguments,
  type TurnRequest,
} from './model.ts';

/**
 * OpenAI-compatible servers (vLLM, Ollama, llama.cpp serving Hermes; an OpenClaw gateway) through
 * the official SDK's Chat Completions API, streaming, with function tools.
 */
export class OpenAIChatModel implements ModelClient {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(opts: { id: string; model: string; apiKey: string; baseURL: string; timeoutMs?: number }) {
    this.id = opts.id;
    this.model = opts.model;
    this.client = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  async turn(req: TurnRequest): Promise<ModelTurn> {
    try {
      const stream = this.client.chat.completions.stream(
        {
          model: this.model,
          max_tokens: req.maxTokens,
          messages: [{ role: 'system', content: req.system }, ...req.messages.flatMap(toChat)],
          tools: req.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, description: t.description, parameters: t.inputSchema },
          })),
          stream_options: { include_usage: true },
        },
        { signal: req.signal },
      );
      if (req.onText) stream.on('content.delta', ({ delta }) => req.onText!(delta));
      const done = await stream.finalChatCompletion();
      const choice = done.choices[0];
      const calls = (choice?.message.tool_calls ?? []).filter((c) => c.type === 'function');
      const finish = choice?.finish_reason;
      return {
        text: choice?.message.content ?? '',
        toolCalls: calls.map((c) => parseArguments(c.id, c.function.name, c.function.arguments)),
        stopReason:
          finish === 'tool_calls'
            ? 'tool_use'
            : finish === 'stop'
              ? 'end_turn'
              : finish === 'length'
                ? 'max_tokens'
                : 'other',
        usage: { inputTokens: done.usage?.prompt_tokens ?? 0, outputTokens: done.usage?.completion_tokens ?? 0 },
      };
    } catch (e) {
      throw classify(this.id, e, req.signal);
    }
  }
}

function toChat(m: ModelMessage): OpenAI.ChatCompletionMessageParam[] {
  if (m.role === 'assistant') {
    const text = m.content
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join('');
    const calls = m.content
      .filter((p) => p.type === 'tool_call')
      .map((p) => ({
        id: p.id,
        type: 'function' as const,
        function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) },
      }));
    return [{ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
  }
  return m.content.map(
    (p): OpenAI.ChatCompletionMessageParam =>
      p.type === 'text'
        ? { role: 'user', content: p.text }
        : { role: 'tool', tool_call_id: p.toolCallId, content: p.content },
  );
}

export function classify(id: string, e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return e;
  if (e instanceof OpenAI.APIError) {
    const status = typeof e.status === 'number' ? e.status : undefined;
    return new ModelUnavailable(`${id}: ${status ?? 'connection'} ${e.message}`, isRetryableStatus(status), status);
  }
  return e;
}
