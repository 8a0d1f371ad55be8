import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted assistant turn, provider-neutral. */
export interface ScriptedTurn {
  text?: string;
  /** `namespace`: a Responses API function in a tool namespace (Codex's MCP servers: `mcp__<server>`). */
  toolCalls?: { name: string; input: unknown; id?: string; namespace?: string }[];
  stopReason?: 'end_turn' | 'tool_use' | 'max_tokens';
  usage?: { input: number; output: number };
  error?: { status: number; type: string; message: string };
  /** Characters per streamed delta (tool input JSON is split at arbitrary points too). */
  chunkSize?: number;
  /** Wait before answering (a slow or hung model; a client that gives up closes the connection). */
  delayMs?: number;
}

export interface FakeModelServer {
  url: string;
  /** Whether to keep `requests` (on by default; a benchmark turns it off to keep memory flat). */
  record: boolean;
  /** Every request body received, in order (prompts, tools, tool results). */
  requests: { path: string; headers: IncomingMessage['headers']; body: any }[];
  script(...turns: ScriptedTurn[]): void;
  /** Forgets scripted turns nobody asked for (a test's leftovers must not answer the next test). */
  clearScript(): void;
  /** Requests the client abandoned before the answer (aborted turns). */
  abandoned: number;
  /** Answers requests when no scripted turn is queued (many concurrent conversations: benchmarks). */
  responder?: (body: any, path: string) => ScriptedTurn;
  close(): Promise<void>;
}

/**
 * A local model server speaking the real wire formats: Anthropic Messages (SSE, tool input as
 * streamed `input_json_delta`), OpenAI Chat Completions (SSE deltas with tool_calls, `[DONE]`) and
 * the OpenAI Responses API (typed events), replaying a FIFO of scripted turns. The real SDKs talk
 * to it over HTTP; nothing in our code is mocked.
 */
/** Tool-use ids are unique across turns, as the real API's are (Claude Code keys its transcript by them). */
let toolIds = 0;

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const queue: ScriptedTurn[] = [];
  const requests: FakeModelServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    if (fake.record) requests.push({ path: req.url ?? '', headers: req.headers, body });
    const turn = queue.shift() ?? fake.responder?.(body, req.url ?? '') ?? { text: 'no scripted turn left' };
    if (turn.delayMs) {
      const gone = await new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(false), turn.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          r(true);
        });
      });
      if (gone || res.destroyed) {
        fake.abandoned++;
        return;
      }
    }
    if (req.url?.startsWith('/v1/messages')) return anthropic(res, turn, body);
    if (req.url?.startsWith('/v1/chat/completions')) return chat(res, turn, body);
    if (req.url?.startsWith('/v1/responses')) return responses(res, turn, body);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const fake: FakeModelServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    record: true,
    abandoned: 0,
    script: (...turns) => queue.push(...turns),
    clearScript: () => void queue.splice(0),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
  return fake;
}

function split(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length ? out : [''];
}

function anthropic(res: ServerResponse, turn: ScriptedTurn, body: any): void {
  if (turn.error) {
    res.writeHead(turn.error.status, { 'content-type': 'application/json' });
    return void res.end(
      JSON.stringify({ type: 'error', error: { type: turn.error.type, message: turn.error.message } }),
    );
  }
  const calls = turn.toolCalls ?? [];
  const stop = turn.stopReason ?? (calls.length ? 'tool_use' : 'end_turn');
  const usage = turn.usage ?? { input: 100, output: 20 };
  const n = turn.chunkSize ?? 7;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', {
    message: {
      id: `msg_${Date.now()}`,
      type: 'message',
      role: 'assistant',
      model: body?.model ?? 'fake',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  });
  send('ping', {});
  let index = 0;
  if (turn.text) {
    send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const part of split(turn.text, n))
      send('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
    send('content_block_stop', { index });
    index++;
  }
  for (const call of calls) {
    send('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: call.id ?? `toolu_${++toolIds}`, name: call.name, input: {} },
    });
    send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
    for (const part of split(JSON.stringify(call.input ?? {}), n))
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    send('content_block_stop', { index });
    index++;
  }
  send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output } });
  send('message_stop', {});
  res.end();
}

function openaiError(res: ServerResponse, e: NonNullable<ScriptedTurn['error']>): void {
  res.writeHead(e.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: e.message, type: e.type, param: null, code: e.type } }));
}

function chat(res: ServerResponse, turn: ScriptedTurn, body: any): void {
  if (turn.error) {
    openaiError(res, turn.error);
    return;
  }
  const n = turn.chunkSize ?? 7;
  const usage = turn.usage ?? { input: 100, output: 20 };
  const calls = turn.toolCalls ?? [];
  const base = {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: body?.model ?? 'fake',
  };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: turn.text ? '' : null }, finish_reason: null }]);
  for (const part of turn.text ? split(turn.text, n) : [])
    send([{ index: 0, delta: { content: part }, finish_reason: null }]);
  for (const [i, call] of calls.entries()) {
    const args = typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {});
    send([
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: i,
              id: call.id ?? `call_${i + 1}`,
              type: 'function',
              function: { name: call.name, arguments: '' },
            },
          ],
        },
        finish_reason: null,
      },
    ]);
    for (const part of split(args, n))
      send([{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: part } }] }, finish_reason: null }]);
  }
  const finish = turn.stopReason === 'max_tokens' ? 'length' : calls.length ? 'tool_calls' : 'stop';
  send([{ index: 0, delta: {}, finish_reason: finish }]);
  if (body?.stream_options?.include_usage)
    send([], {
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    });
  res.write('data: [DONE]\n\n');
  res.end();
}

function responses(res: ServerResponse, turn: ScriptedTurn, body: any): void {
  if (turn.error) {
    openaiError(res, turn.error);
    return;
  }
  const n = turn.chunkSize ?? 7;
  const usage = turn.usage ?? { input: 100, output: 20 };
  let seq = 0;
  const id = `resp_${Date.now()}`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const response = (status: string, output: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: body?.model ?? 'fake',
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: body?.tools ?? [],
    ...extra,
  });
  send('response.created', { response: response('in_progress', []) });
  send('response.in_progress', { response: response('in_progress', []) });
  const output: unknown[] = [];
  if (turn.text) {
    const itemId = 'msg_1';
    const index = output.length;
    send('response.output_item.added', {
      output_index: index,
      item: { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    });
    send('response.content_part.added', {
      item_id: itemId,
      output_index: index,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    });
    for (const part of split(turn.text, n))
      send('response.output_text.delta', {
        item_id: itemId,
        output_index: index,
        content_index: 0,
        delta: part,
        logprobs: [],
      });
    send('response.output_text.done', {
      item_id: itemId,
      output_index: index,
      content_index: 0,
      text: turn.text,
      logprobs: [],
    });
    const part = { type: 'output_text', text: turn.text, annotations: [] };
    send('response.content_part.done', { item_id: itemId, output_index: index, content_index: 0, part });
    const item = { id: itemId, type: 'message', role: 'assistant', status: 'completed', content: [part] };
    send('response.output_item.done', { output_index: index, item });
    output.push(item);
  }
  for (const [i, call] of (turn.toolCalls ?? []).entries()) {
    const args = typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {});
    const itemId = `fc_${i + 1}`;
    const index = output.length;
    const base = {
      id: itemId,
      type: 'function_call',
      call_id: call.id ?? `call_${i + 1}`,
      name: call.name,
      ...(call.namespace ? { namespace: call.namespace } : {}),
    };
    send('response.output_item.added', {
      output_index: index,
      item: { ...base, status: 'in_progress', arguments: '' },
    });
    for (const part of split(args, n))
      send('response.function_call_arguments.delta', { item_id: itemId, output_index: index, delta: part });
    send('response.function_call_arguments.done', {
      item_id: itemId,
      output_index: index,
      name: call.name,
      arguments: args,
    });
    const item = { ...base, status: 'completed', arguments: args };
    send('response.output_item.done', { output_index: index, item });
    output.push(item);
  }
  send('response.completed', {
    response: response('completed', output, {
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    }),
  });
  res.end();
}
