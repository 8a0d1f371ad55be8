import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelUnavailable } from '../../src/domain/errors.ts';
import type { ModelClient, ModelMessage } from '../../src/models/model.ts';
import { OpenAIChatModel } from '../../src/models/openai-chat-model.ts';
import { OpenAIResponsesModel } from '../../src/models/openai-responses-model.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/fake-model-server.ts';

const TOOLS = [
  {
    name: 'find_problems',
    description: 'Run the analyzers',
    inputSchema: { type: 'object', properties: { namespace: { type: 'string' } } },
  },
];
const HISTORY: ModelMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'why is cart failing?' }] },
  {
    role: 'assistant',
    content: [{ type: 'tool_call', id: 'call_7', name: 'find_problems', input: { namespace: 'shop' } }],
  },
  { role: 'user', content: [{ type: 'tool_result', toolCallId: 'call_7', content: '<cluster-data …>' }] },
];

describe('the OpenAI adapters, through the real SDK against fake endpoints', () => {
  let fake: FakeModelServer;
  let chat: OpenAIChatModel;
  let responses: OpenAIResponsesModel;
  const ask = (m: ModelClient, messages: ModelMessage[], onText?: (d: string) => void) =>
    m.turn({
      system: 'You are ClusterClaw.',
      messages,
      tools: TOOLS,
      maxTokens: 512,
      signal: new AbortController().signal,
      onText,
    });

  beforeAll(async () => {
    fake = await startFakeModelServer();
    chat = new OpenAIChatModel({
      id: 'hermes:Hermes-4-70B',
      model: 'Hermes-4-70B',
      apiKey: 'local',
      baseURL: `${fake.url}/v1`,
    });
    responses = new OpenAIResponsesModel({ model: 'gpt-5.4', apiKey: 'test', baseURL: `${fake.url}/v1` });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  for (const [name, model] of [
    ['Chat Completions (OpenAI-compatible)', () => chat],
    ['Responses (OpenAI)', () => responses],
  ] as const) {
    it(`${name}: streams text and two tool calls with split arguments, and reports usage`, async () => {
      fake.script({
        text: 'Checking.',
        toolCalls: [
          { id: 'call_1', name: 'find_problems', input: { namespace: 'shop' } },
          { id: 'call_2', name: 'find_problems', input: { namespace: 'payments' } },
        ],
        chunkSize: 4,
        usage: { input: 210, output: 33 },
      });
      const deltas: string[] = [];
      const turn = await ask(model(), [{ role: 'user', content: [{ type: 'text', text: 'why?' }] }], (d) =>
        deltas.push(d),
      );
      expect(turn).toEqual({
        text: 'Checking.',
        toolCalls: [
          { id: 'call_1', name: 'find_problems', input: { namespace: 'shop' } },
          { id: 'call_2', name: 'find_problems', input: { namespace: 'payments' } },
        ],
        stopReason: 'tool_use',
        usage: { inputTokens: 210, outputTokens: 33 },
      });
      expect(deltas.join('')).toBe('Checking.');
    });

    it(`${name}: hands malformed tool arguments back as an input error instead of throwing`, async () => {
      fake.script({ toolCalls: [{ id: 'call_1', name: 'find_problems', input: '{"namespace": "shop"' }] });
      const turn = await ask(model(), [{ role: 'user', content: [{ type: 'text', text: 'why?' }] }]);
      expect(turn.toolCalls[0]).toMatchObject({ id: 'call_1', name: 'find_problems', input: {} });
      expect(turn.toolCalls[0]!.inputError).toMatch(/^arguments are not valid JSON/);
    });

    it(`${name}: classifies 429 and 503 as retryable and 400 as not`, async () => {
      fake.script(
        { error: { status: 429, type: 'rate_limit_exceeded', message: 'slow down' } },
        { error: { status: 503, type: 'server_error', message: 'down' } },
        { error: { status: 400, type: 'invalid_request_error', message: 'bad' } },
      );
      for (const [status, retryable] of [
        [429, true],
        [503, true],
        [400, false],
      ] as const) {
        const e = await ask(model(), [{ role: 'user', content: [{ type: 'text', text: 'x' }] }]).catch((x) => x);
        expect(e).toBeInstanceOf(ModelUnavailable);
        expect(e).toMatchObject({ status, retryable });
      }
      expect(fake.requests).toHaveLength(3);
    });
  }

  it('Chat Completions: sends the system prompt, tool calls and tool results in chat form', async () => {
    fake.script({ text: 'It is crash-looping.' });
    await ask(chat, HISTORY);
    const body = fake.requests[0]!.body;
    expect(fake.requests[0]!.path).toBe('/v1/chat/completions');
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are ClusterClaw.' },
      { role: 'user', content: 'why is cart failing?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_7', type: 'function', function: { name: 'find_problems', arguments: '{"namespace":"shop"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_7', content: '<cluster-data …>' },
    ]);
    expect(body.tools[0]).toEqual({
      type: 'function',
      function: { name: 'find_problems', description: 'Run the analyzers', parameters: TOOLS[0]!.inputSchema },
    });
  });

  it('Responses: sends instructions, function calls and their outputs as input items', async () => {
    fake.script({ text: 'It is crash-looping.' });
    const turn = await ask(responses, HISTORY);
    expect(turn).toMatchObject({ text: 'It is crash-looping.', stopReason: 'end_turn', toolCalls: [] });
    const body = fake.requests[0]!.body;
    expect(fake.requests[0]!.path).toBe('/v1/responses');
    expect(body.instructions).toBe('You are ClusterClaw.');
    expect(body.input).toEqual([
      { role: 'user', content: 'why is cart failing?' },
      { type: 'function_call', call_id: 'call_7', name: 'find_problems', arguments: '{"namespace":"shop"}' },
      { type: 'function_call_output', call_id: 'call_7', output: '<cluster-data …>' },
    ]);
  });
});
