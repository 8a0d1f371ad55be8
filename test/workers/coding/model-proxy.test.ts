import Anthropic from '@anthropic-ai/sdk';
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

  async function proxy(budget: { spent?: string } = {}) {
    const usage: ProxyUsage[] = [];
    const p = await startModelProxy({
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
});
