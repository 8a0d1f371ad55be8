import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyUsage, startModelProxy } from '../../../src/workers/coding/model-proxy.ts';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/fake-model-server.ts';

const REAL_KEY = 'sk-ant-real-0123456789';

describe("the coding agent's model proxy: a run token in, the real key out, metered and budgeted", () => {
  let fake: FakeModelServer;
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  async function proxy(budget: { spent?: string } = {}, wire: 'anthropic' | 'openai' = 'anthropic') {
    const usage: ProxyUsage[] = [];
    const p = await startModelProxy({
      wire,
      upstream: fake.url,
      apiKey: REAL_KEY,
      onUsage: (u) => usage.push(u),
      exhausted: () => budget.spent,
    });
    return { p, usage, client: (key = p.token) => new Anthropic({ apiKey: key, baseURL: p.url, maxRetries: 0 }) };
  }

  it('forwards a streamed turn with the real key, and meters its tokens for the run', async () => {
    const { p, usage, client } = await proxy();
    try {
      fake.script({ text: 'hello from the model', usage: { input: 321, output: 45 } });
      const text = await client()
        .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
        .finalText();
      expect(text).toBe('hello from the model');
      expect(fake.requests.at(-1)!.headers['x-api-key']).toBe(REAL_KEY);
      expect(usage).toEqual([{ inputTokens: 321, outputTokens: 45 }]);
      expect(p.token).toMatch(/^claw-run-/);
      expect(p.token).not.toContain(REAL_KEY);
    } finally {
      await p.close();
    }
  });

  it("refuses any other token (401), and every call once the run's budget is spent (400, not retried)", async () => {
    const budget: { spent?: string } = {};
    const { p, client } = await proxy(budget);
    try {
      const before = fake.requests.length;
      await expect(
        client('sk-ant-guessed').messages.create({
          model: 'm',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'x' }],
        }),
      ).rejects.toMatchObject({ status: 401 });
      budget.spent = 'output tokens 50000 of 50000';
      await expect(
        client().messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("the run's budget is spent") });
      expect(fake.requests.length).toBe(before);
    } finally {
      await p.close();
    }
  });

  it("speaks OpenAI's wire too: the Responses API streamed and Chat Completions, a bearer key out, both metered", async () => {
    const { p, usage } = await proxy({}, 'openai');
    try {
      const client = new OpenAI({ apiKey: p.token, baseURL: `${p.url}/v1`, maxRetries: 0 });
      fake.script({ text: 'from responses', usage: { input: 210, output: 12 } });
      const stream = client.responses.stream({ model: 'gpt-5.4', input: 'hi' });
      expect((await stream.finalResponse()).output_text).toBe('from responses');
      expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${REAL_KEY}`);
      fake.script({ text: 'from chat', usage: { input: 30, output: 4 } });
      const chat = client.chat.completions.stream({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream_options: { include_usage: true },
      });
      expect((await chat.finalChatCompletion()).choices[0]!.message.content).toBe('from chat');
      expect(usage).toEqual([
        { inputTokens: 210, outputTokens: 12 },
        { inputTokens: 30, outputTokens: 4 },
      ]);
      await expect(
        new OpenAI({ apiKey: 'sk-guessed', baseURL: `${p.url}/v1`, maxRetries: 0 }).responses.create({
          model: 'm',
          input: 'x',
        }),
      ).rejects.toMatchObject({ status: 401 });
    } finally {
      await p.close();
    }
  });

  it('stops the upstream call when the agent hangs up (an interrupted turn), so nothing is billed on', async () => {
    const { p } = await proxy();
    try {
      fake.script({ text: 'too late', delayMs: 30_000 });
      const before = fake.abandoned;
      const hangUp = new AbortController();
      const pending = new Anthropic({ apiKey: p.token, baseURL: p.url, maxRetries: 0 }).messages.create(
        { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { signal: hangUp.signal },
      );
      await new Promise((r) => setTimeout(r, 200));
      hangUp.abort();
      await expect(pending).rejects.toThrow();
      await expect.poll(() => fake.abandoned, { timeout: 5000 }).toBe(before + 1);
    } finally {
      await p.close();
    }
  });
});
