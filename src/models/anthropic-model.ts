import Anthropic from '@anthropic-ai/sdk';
import { ModelUnavailable } from '../domain/errors.ts';
import { isRetryableStatus, type ModelClient, type ModelMessage, type ModelTurn, type TurnRequest } from './model.ts';

/** Claude through the official SDK: streaming Messages API with tool use. The SDK's own retries are off; the router decides. */
export class AnthropicModel implements ModelClient {
  readonly id: string;
  private readonly client: Anthropic;
  private readonly model: string;

  constructor(opts: { id?: string; model: string; apiKey: string; baseURL?: string; timeoutMs?: number }) {
    this.id = opts.id ?? `anthropic:${opts.model}`;
    this.model = opts.model;
    this.client = new Anthropic({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  async turn(req: TurnRequest): Promise<ModelTurn> {
    try {
      const stream = this.client.messages.stream(
        {
          model: this.model,
          max_tokens: req.maxTokens,
          system: req.system,
          messages: req.messages.map(toAnthropic),
          tools: req.tools.map((t) => ({
            name: t.name,
            description: t.description,
            input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
          })),
        },
        { signal: req.signal },
      );
      if (req.onText) stream.on('text', (delta) => req.onText!(delta));
      const message = await stream.finalMessage();
      const text = message.content
        .filter((b) => b.type === 'text')
        .map((b) => (b as Anthropic.TextBlock).text)
        .join('');
      const toolCalls = message.content
        .filter((b) => b.type === 'tool_use')
        .map((b) => {
          const t = b as Anthropic.ToolUseBlock;
          return { id: t.id, name: t.name, input: t.input };
        });
      const stop = message.stop_reason;
      return {
        text,
        toolCalls,
        stopReason: stop === 'end_turn' || stop === 'tool_use' || stop === 'max_tokens' ? stop : 'other',
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
      };
    } catch (e) {
      throw classify(e, req.signal);
    }
  }
}

function toAnthropic(m: ModelMessage): Anthropic.MessageParam {
  if (m.role === 'assistant') {
    return {
      role: 'assistant',
      content: m.content.map((p) =>
        p.type === 'text'
          ? { type: 'text' as const, text: p.text }
          : { type: 'tool_use' as const, id: p.id, name: p.name, input: p.input },
      ),
    };
  }
  return {
    role: 'user',
    content: m.content.map((p) =>
      p.type === 'text'
        ? { type: 'text' as const, text: p.text }
        : { type: 'tool_result' as const, tool_use_id: p.toolCallId, content: p.content, is_error: p.isError ?? false },
    ),
  };
}

function classify(e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return e;
  if (e instanceof Anthropic.APIError) {
    const status = typeof e.status === 'number' ? e.status : undefined;
    return new ModelUnavailable(`anthropic: ${status ?? 'connection'} ${e.message}`, isRetryableStatus(status), status);
  }
  return e;
}
