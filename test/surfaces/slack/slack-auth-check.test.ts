import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAuthCheck, slackReady } from '../../../src/surfaces/slack/slack-auth-check.ts';
import { FakeSlack } from '../../fakes/fake-slack.ts';

describe("readiness' Slack check (auth.test through the real SDK)", () => {
  const slack = new FakeSlack();
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  const client = (token: string) =>
    new webApi.WebClient(token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });

  it('asks Slack at most once per interval, however often the probes come', async () => {
    const check = new SlackAuthCheck(client('xoxb-good'), 60_000);
    const before = slack.callsTo('auth.test').length;
    const statuses = await Promise.all([check.status(), check.status(), check.status()]);
    expect(statuses).toEqual(['ok', 'ok', 'ok']);
    expect(await check.status(Date.now() + 30_000)).toBe('ok');
    expect(slack.callsTo('auth.test').length - before).toBe(1);
    expect(slack.callsTo('auth.test').at(-1)?.token).toBe('xoxb-good');
  });

  it('a revoked token makes the replica unready at the next check', async () => {
    const check = new SlackAuthCheck(client('xoxb-soon-revoked'), 60_000);
    expect(await check.status()).toBe('ok');
    slack.revokedTokens.add('xoxb-soon-revoked');
    expect(await check.status()).toBe('ok');
    const status = await check.status(Date.now() + 61_000);
    expect(status).toBe('failed: token_revoked');
    expect(slackReady(status)).toBe(false);
  });

  it('Slack erroring is reported but keeps the replica ready (an outage must not take every replica out)', async () => {
    slack.serverError({ method: 'auth.test', times: 1, httpStatus: 503 });
    const status = await new SlackAuthCheck(client('xoxb-good'), 60_000).status();
    expect(status).toMatch(/^unverified: /);
    expect(slackReady(status)).toBe(true);
  });
});
