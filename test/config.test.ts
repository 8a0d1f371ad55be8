import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('works with nothing set, treats empty values as unset, and freezes the result', () => {
    const c = loadConfig({ DATABASE_URL: '', SLACK_API_URL: '' }, '/nonexistent');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.port).toBe(3000);
    expect(Object.isFrozen(c.approvals)).toBe(true);
  });

  it('normalizes SLACK_API_URL to end with a slash', () => {
    expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9/api' }, '/nonexistent').slack.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it('reads claw.yaml from the working directory, accepting every contract key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(join(dir, 'claw.yaml'), [
      'slack: { alertChannel: C0ALERTS }',
      'approvals: { approvers: [U0APPROVER1, U0APPROVER2], allowSelfApproval: false, ttlMinutes: 30 }',
      'models:',
      '  providers: { hermes: { baseUrl: "http://vllm.internal:8000/v1", apiKeyEnv: HERMES_API_KEY } }',
      '  routes: { investigate: ["anthropic:claude-sonnet-4-6", "runbooks"] }',
    ].join('\n'));
    const c = loadConfig({ HERMES_API_KEY: 'k' }, dir);
    expect(c.approvals.approvers).toEqual(['U0APPROVER1', 'U0APPROVER2']);
    expect(c.models.providers.hermes).toEqual({ baseUrl: 'http://vllm.internal:8000/v1', apiKey: 'k' });
    expect(c.slack.alertChannel).toBe('C0ALERTS');
  });

  it('rejects unknown keys and bad values with a message naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(join(dir, 'claw.yaml'), 'approvals: { approverz: [U1] }\n');
    expect(() => loadConfig({}, dir)).toThrow(/approverz/);
    await writeFile(join(dir, 'claw.yaml'), 'approvals: { approvers: [alice] }\n');
    expect(() => loadConfig({}, dir)).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' }, '/nonexistent')).toThrow(/PORT/);
    expect(() => loadConfig({ CLAW_CONFIG: '/nope/claw.yaml' }, '/nonexistent')).toThrow(/does not exist/);
  });
});
