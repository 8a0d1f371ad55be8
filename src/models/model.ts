// The one interface every model provider sits behind (Anthropic, OpenAI, OpenAI-compatible):
// a provider-neutral conversation in, one assistant turn out.

export interface ModelTool {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: Record<string, unknown>;
}

export type UserPart =
  | { type: 'text'; text: string }
  | { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean };
export type AssistantPart =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown };

export type ModelMessage = { role: 'user'; content: UserPart[] } | { role: 'assistant'; content: AssistantPart[] };

export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
  /** Set when the model's arguments were not valid JSON: the loop returns it to the model as an error. */
  inputError?: string;
}

export interface ModelTurn {
  text: string;
  toolCalls: ModelToolCall[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'other';
  usage: { inputTokens: number; outputTokens: number };
}

export interface TurnRequest {
  system: string;
  messages: ModelMessage[];
  tools: ModelTool[];
  maxTokens: number;
  signal: AbortSignal;
  /** Streamed text as it arrives (progress, stall detection). */
  onText?: (delta: string) => void;
}

export interface ModelClient {
  /** `anthropic:<model>`, `openai:<model>`, `<provider>:<model>`. */
  readonly id: string;
  turn(req: TurnRequest): Promise<ModelTurn>;
}

export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Tool arguments as the OpenAI APIs send them (a JSON string), parsed without throwing. */
export function parseArguments(id: string, name: string, raw: string): ModelToolCall {
  try {
    return { id, name, input: raw.trim() ? JSON.parse(raw) : {} };
  } catch (e) {
    return {
      id,
      name,
      input: {},
      inputError: `arguments are not valid JSON (${(e as Error).message}): ${raw.slice(0, 200)}`,
    };
  }
}
