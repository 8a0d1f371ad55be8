import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelUnavailable } from '../../src/domain/errors.ts';
import { AnthropicModel } from '../../src/models/anthropic-model.ts';
import type { ModelMessage } from '../../src/models/model.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/fake-model-server.ts';

const TOOLS = [
  {
    name: 'find_problems',
    description: 'Run the analyzers',
    inputSchema: { type: 'object', properties: { namespace: { type: 'string' } } },
  },
];

describe('the Anthropic adapter, through the real SDK against a fake Messages API', () => {
  let fake: FakeModelServer;
  let model: AnthropicModel;
  const ask = (messages: ModelMessage[], signal = new AbortController().signal, onText?: (d: string) => void) =>
    model.turn({ system: 'You are ClusterClaw.', messages, tools: TOOLS, maxTokens: 1024, signal, onText });

  beforeAll(async () => {
    fake = await startFakeModelServer();
    model = new AnthropicModel({ model: 'claude-sonnet-4-6', apiKey: 'test-key', baseURL: fake.url });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('streams text and a tool call whose JSON input arrives in arbitrary pieces', async () => {
    fake.script({
      text: 'Let me look at the namespace.',
      toolCalls: [{ id: 'toolu_9', name: 'find_problems', input: { namespace: 'shop', note: 'a "quoted" value' } }],
      chunkSize: 3,
      usage: { input: 321, output: 45 },
    });
    const deltas: string[] = [];
    const turn = await ask(
      [{ role: 'user', content: [{ type: 'text', text: 'why is cart failing?' }] }],
      undefined,
      (d) => deltas.push(d),
    );
    expect(turn).toEqual({
      text: 'Let me look at the namespace.',
      toolCalls: [{ id: 'toolu_9', name: 'find_problems', input: { namespace: 'shop', note: 'a "quoted" value' } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 321, outputTokens: 45 },
    });
    expect(deltas.join('')).toBe('Let me look at the namespace.');
    expect(deltas.length).toBeGreaterThan(5);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      stream: true,
      system: 'You are ClusterClaw.',
      tools: [{ name: 'find_problems', input_schema: { type: 'object' } }],
    });
  });

  it('sends tool results back as tool_result blocks tied to the call id', async () => {
    fake.script({ text: 'The cart rollout is crash-looping.', usage: { input: 500, output: 12 } });
    const turn = await ask([
      { role: 'user', content: [{ type: 'text', text: 'why is cart failing?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_call', id: 'toolu_9', name: 'find_problems', input: { namespace: 'shop' } }],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', toolCallId: 'toolu_9', content: '<cluster-data …>', isError: false }],
      },
    ]);
    expect(turn.stopReason).toBe('end_turn');
    expect(fake.requests[0]!.body.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_9', name: 'find_problems', input: { namespace: 'shop' } }],
    });
    expect(fake.requests[0]!.body.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '<cluster-data …>', is_error: false }],
    });
  });

  it('classifies overload and rate limits as retryable, a bad request as not, and makes one attempt each', async () => {
    fake.script({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } });
    const overloaded = await ask([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]).catch((e) => e);
    expect(overloaded).toBeInstanceOf(ModelUnavailable);
    expect(overloaded).toMatchObject({ retryable: true, status: 529 });
    fake.script({ error: { status: 429, type: 'rate_limit_error', message: 'slow down' } });
    expect(await ask([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]).catch((e) => e)).toMatchObject({
      retryable: true,
      status: 429,
    });
    fake.script({ error: { status: 400, type: 'invalid_request_error', message: 'messages: bad' } });
    expect(await ask([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]).catch((e) => e)).toMatchObject({
      retryable: false,
      status: 400,
    });
    expect(fake.requests).toHaveLength(3);
  });

  it('stops when the run is aborted mid-turn', async () => {
    fake.script({ text: 'slow', delayMs: 2000 });
    const ac = new AbortController();
    const pending = ask([{ role: 'user', content: [{ type: 'text', text: 'x' }] }], ac.signal);
    setTimeout(() => ac.abort(new Error('run timed out')), 100);
    const started = Date.now();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
