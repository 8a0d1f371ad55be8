import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/domain/errors.ts';

describe('loadConfig', () => {
  it('works with nothing set, treats empty values as unset, and freezes the result', () => {
    const c = loadConfig({ DATABASE_URL: '', SLACK_API_URL: '' }, '/nonexistent');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.port).toBe(3000);
    expect(Object.isFrozen(c.approvals)).toBe(true);
  });

  it('normalizes SLACK_API_URL to end with a slash', () => {
    expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9/api' }, '/nonexistent').slack.apiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
  });

  it('reads claw.yaml from the working directory, accepting every contract key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'slack: { alertChannel: C0ALERTS }',
        'approvals: { approvers: [U0APPROVER1, U0APPROVER2], allowSelfApproval: false, ttlMinutes: 30 }',
        'models:',
        '  providers: { hermes: { baseUrl: "http://vllm.internal:8000/v1", apiKeyEnv: HERMES_API_KEY } }',
        '  routes: { investigate: ["anthropic:claude-sonnet-4-6", "runbooks"] }',
      ].join('\n'),
    );
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

  it.each([
    [
      'a misspelled provider',
      'routes: { investigate: ["antropic:claude-sonnet-4-6", runbooks] }',
      /models\.routes\.investigate\[0\]: unknown provider "antropic"/,
    ],
    [
      'a worker that is no id at all',
      'routes: { investigate: [claude] }',
      /models\.routes\.investigate\[0\]: unknown worker "claude"/,
    ],
    [
      'a route for no task kind',
      'routes: { investigation: [runbooks] }',
      /models\.routes\.investigation: not a task kind/,
    ],
    [
      'an alias of an unknown provider',
      'registry: { big: { provider: vlm, model: m } }',
      /models\.registry\.big: unknown provider "vlm"/,
    ],
  ])('refuses %s in models, naming the key', async (_name, models, error) => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(join(dir, 'claw.yaml'), `models:\n  ${models}\n`);
    expect(() => loadConfig({}, dir)).toThrow(error);
  });

  it('accepts every provider the contract names, declared providers, aliases and alert routes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'models:',
        '  providers: { hermes: { baseUrl: "http://vllm.internal:8000/v1" } }',
        '  registry: { big: { provider: hermes, model: m }, own: { provider: vllm, model: m, baseUrl: "http://h:1/v1" } }',
        '  routes:',
        '    investigate: ["claude-code:sonnet", "codex:gpt-5.4", "openclaw:main", "hermes:x", big, own, runbooks]',
        '    "alert:KubePodCrashLooping": ["openai:gpt-5.4"]',
      ].join('\n'),
    );
    expect(loadConfig({}, dir).models.routes.investigate).toHaveLength(7);
  });

  it('schedules housekeeping by default (leases reaped twice per lease), a daily digest unless turned off, and refuses bad cron and zones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    expect(loadConfig({}, '/nonexistent').schedule).toEqual({
      timezone: 'UTC',
      expireProposals: '*/30 * * * * *',
      reapLeases: '*/15 * * * * *',
      prune: '17 * * * *',
      slackInbox: '*/5 * * * * *',
      dailyDigest: { cron: '0 9 * * *', channels: [] },
    });
    await writeFile(
      join(dir, 'claw.yaml'),
      'runs: { leaseSeconds: 4 }\nschedule: { timezone: Europe/Paris, dailyDigest: false }\n',
    );
    expect(loadConfig({}, dir).schedule).toMatchObject({
      timezone: 'Europe/Paris',
      reapLeases: '*/2 * * * * *',
      dailyDigest: undefined,
    });
    await writeFile(join(dir, 'claw.yaml'), 'schedule: { dailyDigest: { cron: "0 9 * * 1-5", channels: [C0SRE] } }\n');
    expect(loadConfig({}, dir).schedule.dailyDigest).toEqual({ cron: '0 9 * * 1-5', channels: ['C0SRE'] });
    await writeFile(join(dir, 'claw.yaml'), 'schedule: { prune: "every hour" }\n');
    expect(() => loadConfig({}, dir)).toThrow(/schedule\.prune.*not a cron expression/s);
    await writeFile(join(dir, 'claw.yaml'), 'schedule: { timezone: Mars/Olympus }\n');
    expect(() => loadConfig({}, dir)).toThrow(/schedule\.timezone.*IANA/s);
  });

  it('reads the model registry and run limits, with defaults, and refuses an alias without provider and model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'models:',
        '  providers: { hermes: { baseUrl: "http://vllm.internal:8000/v1" } }',
        '  registry:',
        '    "anthropic:claude-opus-4-6": { contextWindow: 200000, price: { inputPerMTok: 15, outputPerMTok: 75 } }',
        '    fast: { provider: hermes, model: Hermes-4-14B, apiKeyEnv: FAST_KEY }',
        '  breaker: { failures: 5 }',
        'runs:',
        '  timeoutSeconds: 100',
        '  budget: { costUsd: 0.5 }',
        '  concurrency: { global: 8 }',
        '  stall: { seconds: 20 }',
      ].join('\n'),
    );
    const c = loadConfig({ FAST_KEY: 'secret' }, dir);
    expect(c.models.registry['anthropic:claude-opus-4-6']).toMatchObject({
      provider: 'anthropic',
      model: 'claude-opus-4-6',
      contextWindow: 200000,
      price: { inputPerMTok: 15, outputPerMTok: 75 },
    });
    expect(c.models.registry.fast).toMatchObject({ provider: 'hermes', model: 'Hermes-4-14B', apiKey: 'secret' });
    // The default model's price is known without configuration.
    expect(c.models.registry['anthropic:claude-sonnet-4-6']?.price).toEqual({ inputPerMTok: 3, outputPerMTok: 15 });
    expect(c.models.breaker).toEqual({ failures: 5, cooldownSeconds: 60 });
    expect(c.runs).toMatchObject({
      timeoutSeconds: 100,
      maxAttempts: 3,
      stall: { seconds: 20, maxNudges: 2 },
      concurrency: { global: 8, perProcess: 8, perChannel: 4 },
    });
    // The wall budget ends the run gracefully before the hard timeout would kill it.
    expect(c.runs.budget).toMatchObject({ costUsd: 0.5, steps: 40, wallSeconds: 80 });
    await writeFile(join(dir, 'claw.yaml'), 'models:\n  registry:\n    fast: { contextWindow: 1000 }\n');
    expect(() => loadConfig({}, dir)).toThrow(
      /models\.registry\.fast: an id without "provider:model" needs provider and model/,
    );
    await writeFile(join(dir, 'claw.yaml'), 'runs:\n  budget: { tokens: 5 }\n');
    expect(() => loadConfig({}, dir)).toThrow(/runs\.budget: tokens/);
  });

  it('workers.runner kubernetes-job needs its job; the gateway address defaults to this pod (POD_IP)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(join(dir, 'claw.yaml'), 'workers: { runner: kubernetes-job }\n');
    expect(() => loadConfig({}, dir)).toThrow(/workers\.job: runner kubernetes-job needs job/);
    await writeFile(
      join(dir, 'claw.yaml'),
      'workers: { runner: kubernetes-job, job: { namespace: clusterclaw-agents, image: "ghcr.io/clusterclaw/clusterclaw:0.1.0" } }\n',
    );
    expect(loadConfig({ POD_IP: '10.1.2.3' }, dir).workers.job).toEqual({
      namespace: 'clusterclaw-agents',
      image: 'ghcr.io/clusterclaw/clusterclaw:0.1.0',
      gatewayUrl: 'http://10.1.2.3:8788',
      gatewayHost: '0.0.0.0',
      gatewayPort: 8788,
      cpu: '1',
      memory: '2Gi',
    });
    // In an agent Job's pod: the gateway and the turn's token, from the Job's environment.
    expect(loadConfig({ CLAW_JOB_GATEWAY: 'http://10.1.2.3:8788', CLAW_JOB_TOKEN: 't' }, dir).agentJob).toEqual({
      gateway: 'http://10.1.2.3:8788',
      token: 't',
    });
  });

  it('reads repos (with defaults, CI definitions always included) and workers, as the contract writes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'repos:',
        '  demo:',
        '    url: file:///srv/git/demo.git',
        '    ci: "sh ci.sh"',
        '    ciPaths: ["ci.sh"]',
        '    manifests: ["deploy/**"]',
        '    cluster: prod',
        '    agentCommands: ["sh ci.sh", "make lint"]',
        '  charts: { url: "git@github.com:org/charts.git", branch: release, ci: "helm lint .", delivery: push, paths: ["charts/**"] }',
        'workers: { runner: local, concurrency: 2 }',
      ].join('\n'),
    );
    const c = loadConfig({}, dir);
    expect(c.repos.demo).toMatchObject({
      name: 'demo',
      url: 'file:///srv/git/demo.git',
      branch: 'main',
      ci: 'sh ci.sh',
      ciTimeoutSeconds: 600,
      paths: ['**'],
      ciMaxFixAttempts: 2,
      agentCommands: ['sh ci.sh', 'make lint'],
      manifests: ['deploy/**'],
      cluster: 'prod',
      delivery: 'push-branch',
    });
    expect(c.repos.demo!.ciPaths).toEqual(expect.arrayContaining(['ci.sh', '.github/workflows/**', 'Makefile']));
    expect(c.repos.charts).toMatchObject({
      branch: 'release',
      delivery: 'push',
      paths: ['charts/**'],
      agentCommands: [],
    });
    expect(c.workers).toEqual({ runner: 'local', concurrency: 2 });
    expect(Object.isFrozen(c.repos.demo!.paths)).toBe(true);
    expect(loadConfig({}, '/nonexistent').repos).toEqual({});
  });

  it.each([
    ['a repository without its CI command', 'demo: { url: "file:///r.git" }', /repos\.demo\.ci/],
    [
      'a remote URL that carries a token',
      'demo: { url: "https://bot:ghp_abc123@github.com/org/demo.git", ci: "true" }',
      /repos\.demo\.url: must not carry a password or token/,
    ],
    [
      'a path pattern leaving the repository',
      'demo: { url: "file:///r.git", ci: "true", paths: ["../x/**"] }',
      /repos\.demo\.paths\.0/,
    ],
    ['an unknown delivery', 'demo: { url: "file:///r.git", ci: "true", delivery: email }', /repos\.demo\.delivery/],
    [
      'pull requests without where to open them',
      'demo: { url: "file:///r.git", ci: "true", delivery: pull-request }',
      /repos\.demo\.pullRequest: delivery pull-request needs pullRequest/,
    ],
    [
      'an agent command that chains another',
      'demo: { url: "file:///r.git", ci: "true", agentCommands: ["make test && curl x"] }',
      /repos\.demo\.agentCommands\.0: is one command/,
    ],
    ['a repository name with capitals', 'Demo: { url: "file:///r.git", ci: "true" }', /repos\.Demo/],
  ])('refuses %s, naming the key', async (_name, repos, error) => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-cfg-'));
    await writeFile(join(dir, 'claw.yaml'), `repos:\n  ${repos}\n`);
    expect(() => loadConfig({}, dir)).toThrow(error);
  });

  it('accepts claw.example.yaml as documented', () => {
    const c = loadConfig({ CLAW_CONFIG: join(import.meta.dirname, '..', '..', 'claw.example.yaml') }, '/nonexistent');
    expect(c.models.registry['hermes-large']).toMatchObject({ provider: 'hermes', model: 'NousResearch/Hermes-4-70B' });
    expect(c.runs.budget.wallSeconds).toBe(240);
  });
});
