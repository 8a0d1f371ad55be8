import OpenAI from 'openai';
import { type ModelClient, type ModelMessage, type ModelTurn, parseArguments, type TurnRequest } from './model.ts';
import { classify } from './openai-chat-model.ts';

/** OpenAI models through the official SDK's Responses API, streaming, with function calling. */
export class OpenAIResponsesModel implements ModelClient {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(opts: { id?: string; model: string; apiKey: string; baseURL?: string; timeoutMs?: number }) {
    this.id = opts.id ?? `openai:${opts.model}`;
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
      const stream = this.client.responses.stream(
        {
          model: this.model,
          instructions: req.system,
          max_output_tokens: req.maxTokens,
          input: req.messages.flatMap(toInput),
          tools: req.tools.map((t) => ({
            type: 'function' as const,
            name: t.name,
            description: t.description,
            parameters: t.inputSchema,
            strict: false,
          })),
        },
        { signal: req.signal },
      );
      if (req.onText) stream.on('response.output_text.delta', (e) => req.onText!(e.delta));
      const done = await stream.finalResponse();
      const calls = done.output.flatMap((o) =>
        o.type === 'function_call' ? [o as { call_id: string; name: string; arguments: string }] : [],
      );
      return {
        text: done.output_text ?? '',
        toolCalls: calls.map((c) => parseArguments(c.call_id, c.name, c.arguments)),
        stopReason: calls.length
          ? 'tool_use'
          : done.incomplete_details?.reason === 'max_output_tokens'
            ? 'max_tokens'
            : 'end_turn',
        usage: { inputTokens: done.usage?.input_tokens ?? 0, outputTokens: done.usage?.output_tokens ?? 0 },
      };
    } catch (e) {
      throw classify(this.id, e, req.signal);
    }
  }
}

function toInput(m: ModelMessage): OpenAI.Responses.ResponseInputItem[] {
  if (m.role === 'assistant') {
    return m.content.map(
      (p): OpenAI.Responses.ResponseInputItem =>
        p.type === 'text'
          ? { role: 'assistant', content: p.text }
          : { type: 'function_call', call_id: p.id, name: p.name, arguments: JSON.stringify(p.input ?? {}) },
    );
  }
  return m.content.map(
    (p): OpenAI.Responses.ResponseInputItem =>
      p.type === 'text'
        ? { role: 'user', content: p.text }
        : { type: 'function_call_output', call_id: p.toolCallId, output: p.content },
  );
}
