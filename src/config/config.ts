import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../domain/errors.ts';
import { type ClawFile, fileSchema } from './config-file.ts';
import { checkRulesSatisfiable, policySchema } from './policy-config.ts';
import { DEFAULT_CI_PATHS } from './repos-config.ts';
import { checkWorkerIds } from './worker-ids.ts';
import { workersOf } from './workers-config.ts';

export type { ClawFile };

import type { Config, ModelSpec, RepoConfig, RunLimits } from './config-types.ts';

export type {
  AlertRouting,
  Budget,
  Config,
  JobRunnerConfig,
  ModelSpec,
  RepoConfig,
  RunLimits,
} from './config-types.ts';

/** Context windows and list prices (USD per million tokens) of the default models; claw.yaml overrides. */
const KNOWN_MODELS: Record<string, { contextWindow: number; price: { inputPerMTok: number; outputPerMTok: number } }> =
  {
    'anthropic:claude-sonnet-4-6': { contextWindow: 200_000, price: { inputPerMTok: 3, outputPerMTok: 15 } },
  };

type Env = Record<string, string | undefined>;

/** Reads env and claw.yaml once; the result is validated and frozen. Nothing else reads process.env. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const get = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const explicit = get('CLAW_CONFIG');
  const configPath = explicit
    ? resolve(cwd, explicit)
    : existsSync(resolve(cwd, 'claw.yaml'))
      ? resolve(cwd, 'claw.yaml')
      : undefined;
  if (explicit && !existsSync(configPath!)) throw new ConfigError(`CLAW_CONFIG: ${configPath} does not exist`);
  const file = configPath ? parseFile(configPath) : fileSchema.parse({});
  checkIdentities(file.approvals?.identities ?? {});
  checkWorkerIds(file);
  const unsatisfiable = checkRulesSatisfiable(file.policy ?? policySchema.parse({}), file.approvals?.approvers ?? []);
  if (unsatisfiable) throw new ConfigError(unsatisfiable);
  const port = Number(get('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT: "${get('PORT')}" is not a port number`);
  const slackApiUrl = get('SLACK_API_URL') ?? 'https://slack.com/api/';
  const providers: Record<string, { baseUrl: string; apiKey?: string }> = {};
  for (const [name, p] of Object.entries(file.models?.providers ?? {})) {
    providers[name] = { baseUrl: p.baseUrl, apiKey: p.apiKeyEnv ? get(p.apiKeyEnv) : undefined };
  }
  return deepFreeze({
    port,
    logLevel: get('LOG_LEVEL') ?? 'info',
    databaseUrl: databaseUrlOf(get('DATABASE_URL')),
    dataDir: resolve(cwd, get('CLAW_DATA_DIR') ?? '.claw'),
    configPath,
    kubeconfig: get('KUBECONFIG'),
    alertmanagerToken: get('ALERTMANAGER_TOKEN'),
    metricsToken: get('METRICS_TOKEN'),
    ...(file.prometheus
      ? {
          prometheus: {
            url: file.prometheus.url,
            token: file.prometheus.tokenEnv ? get(file.prometheus.tokenEnv) : undefined,
          },
        }
      : {}),
    slack: {
      botToken: get('SLACK_BOT_TOKEN'),
      signingSecret: get('SLACK_SIGNING_SECRET'),
      appToken: get('SLACK_APP_TOKEN'),
      apiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
      alertChannel: file.slack?.alertChannel,
      limits: {
        perUserPerHour: file.slack?.limits?.perUserPerHour ?? 20,
        perChannelPerHour: file.slack?.limits?.perChannelPerHour ?? 60,
      },
    },
    approvals: {
      approvers: file.approvals?.approvers ?? [],
      allowSelfApproval: file.approvals?.allowSelfApproval ?? false,
      ttlMinutes: file.approvals?.ttlMinutes ?? 30,
      identities: file.approvals?.identities ?? {},
      checkAuthority: file.approvals?.checkAuthority ?? false,
      impersonate: file.approvals?.impersonate ?? false,
      cliAs: file.approvals?.cliAs ?? false,
      admins: file.approvals?.admins ?? [],
      withdraw: file.approvals?.withdraw ?? true,
    },
    signing: signingOf(get),
    models: {
      anthropic: { apiKey: get('ANTHROPIC_API_KEY'), baseUrl: get('ANTHROPIC_BASE_URL') },
      openai: { apiKey: get('OPENAI_API_KEY'), baseUrl: get('OPENAI_BASE_URL') },
      agentClis: { claudeCode: get('CLAUDE_CODE_PATH'), codex: get('CODEX_PATH'), openclaw: get('OPENCLAW_PATH') },
      providers,
      routes: file.models?.routes ?? {},
      registry: registryOf(file, get),
      breaker: {
        failures: file.models?.breaker?.failures ?? 3,
        cooldownSeconds: file.models?.breaker?.cooldownSeconds ?? 60,
      },
    },
    runs: runLimitsOf(file),
    alerts: {
      routes: file.alerts?.routes ?? [],
      defaultChannel: file.slack?.alertChannel,
      investigate: file.alerts?.investigate ?? true,
      digest: {
        threshold: file.alerts?.digest?.threshold ?? 10,
        windowSeconds: file.alerts?.digest?.windowSeconds ?? 60,
        idleMinutes: file.alerts?.digest?.idleMinutes ?? 5,
      },
      reinvestigateAfterMinutes: file.alerts?.reinvestigateAfterMinutes ?? 30,
      maxBodyBytes: file.alerts?.maxBodyBytes ?? 4 * 1024 * 1024,
    },
    schedule: scheduleOf(file),
    policy: file.policy ?? policySchema.parse({}),
    repos: reposOf(file, get),
    workers: workersOf(file, get),
    agentJob: get('CLAW_JOB_GATEWAY')
      ? { gateway: get('CLAW_JOB_GATEWAY')!, token: get('CLAW_JOB_TOKEN') ?? '' }
      : undefined,
    osUser: get('USER') ?? get('LOGNAME') ?? 'unknown',
  });
}

/** DATABASE_URL must be a postgres:// URL; its value is not echoed (it holds a password). */
function databaseUrlOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {}
  if (protocol !== 'postgres:' && protocol !== 'postgresql:')
    throw new ConfigError('DATABASE_URL: not a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)');
  return url;
}

function signingOf(get: (k: string) => string | undefined): Config['signing'] {
  const key = get('CLAW_SIGNING_KEY');
  const previous = (get('CLAW_SIGNING_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const [name, k] of [
    ['CLAW_SIGNING_KEY', key],
    ...previous.map((k) => ['CLAW_SIGNING_KEY_PREVIOUS', k]),
  ] as const) {
    if (k !== undefined && k.length < 32)
      throw new ConfigError(`${name}: a signing key needs at least 32 characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return { key, previous };
}

/**
 * approvals.identities read in reverse: the CLI on a shared store decides as the approver its
 * Kubernetes identity maps to, so a Kubernetes user mapped to two approvers would be two people.
 */
function checkIdentities(identities: Record<string, { user: string }>): void {
  const seen = new Map<string, string>();
  for (const [approver, who] of Object.entries(identities)) {
    const other = seen.get(who.user);
    if (other)
      throw new ConfigError(
        `approvals.identities: Kubernetes user "${who.user}" is mapped to both ${other} and ${approver}; one person must map to one approver`,
      );
    seen.set(who.user, approver);
  }
}

function registryOf(file: ClawFile, get: (k: string) => string | undefined): Record<string, ModelSpec> {
  const out: Record<string, ModelSpec> = {};
  for (const [id, known] of Object.entries(KNOWN_MODELS))
    out[id] = { provider: id.split(':')[0]!, model: id.slice(id.indexOf(':') + 1), ...known };
  for (const [id, e] of Object.entries(file.models?.registry ?? {})) {
    const i = id.indexOf(':');
    const provider = e.provider ?? (i > 0 ? id.slice(0, i) : undefined);
    const model = e.model ?? (i > 0 ? id.slice(i + 1) : undefined);
    if (!provider || !model)
      throw new ConfigError(`models.registry.${id}: an id without "provider:model" needs provider and model`);
    const known = KNOWN_MODELS[`${provider}:${model}`];
    const apiKey = e.apiKeyEnv ? get(e.apiKeyEnv) : undefined;
    out[id] = {
      provider,
      model,
      baseUrl: e.baseUrl,
      apiKey,
      contextWindow: e.contextWindow ?? known?.contextWindow,
      price: e.price ?? known?.price,
    };
  }
  return out;
}

function scheduleOf(file: ClawFile): Config['schedule'] {
  const s = file.schedule;
  // Leases are reaped twice per lease period, so a dead replica's runs wait at most 1.5 leases.
  const reapEvery = Math.min(30, Math.max(1, Math.floor((file.runs?.leaseSeconds ?? 30) / 2)));
  const digest = s?.dailyDigest;
  return {
    timezone: s?.timezone ?? 'UTC',
    expireProposals: s?.expireProposals ?? '*/30 * * * * *',
    reapLeases: s?.reapLeases ?? `*/${reapEvery} * * * * *`,
    prune: s?.prune ?? '17 * * * *',
    slackInbox: s?.slackInbox ?? '*/5 * * * * *',
    dailyDigest: digest === false ? undefined : { cron: digest?.cron ?? '0 9 * * *', channels: digest?.channels ?? [] },
  };
}

function runLimitsOf(file: ClawFile): RunLimits {
  const r = file.runs;
  const timeoutSeconds = r?.timeoutSeconds ?? 300;
  const b = r?.budget;
  const c = r?.concurrency;
  const global = c?.global ?? 64;
  return {
    timeoutSeconds,
    leaseSeconds: r?.leaseSeconds ?? 30,
    shutdownSeconds: r?.shutdownSeconds ?? 10,
    maxAttempts: r?.maxAttempts ?? 3,
    retryBackoff: { baseSeconds: r?.retryBackoff?.baseSeconds ?? 2, maxSeconds: r?.retryBackoff?.maxSeconds ?? 60 },
    stall: { seconds: r?.stall?.seconds ?? 60, maxNudges: r?.stall?.maxNudges ?? 2 },
    budget: {
      steps: b?.steps ?? 40,
      inputTokens: b?.inputTokens ?? 1_000_000,
      outputTokens: b?.outputTokens ?? 50_000,
      costUsd: b?.costUsd ?? 5,
      // Leave room for the partial answer before the hard timeout kills the run.
      wallSeconds: b?.wallSeconds ?? Math.max(1, Math.floor(timeoutSeconds * 0.8)),
    },
    concurrency: {
      global,
      perProcess: c?.perProcess ?? Math.min(global, 16),
      perCluster: c?.perCluster ?? global,
      perChannel: c?.perChannel ?? 4,
    },
  };
}

function parseFile(path: string): ClawFile {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    throw new ConfigError(`${path}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const where = i.path.join('.') || '(top level)';
      const keys = 'keys' in i && Array.isArray(i.keys) ? ` ${i.keys.join(', ')}` : '';
      return `${where}:${keys} ${i.message}`;
    });
    throw new ConfigError(`${path}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function reposOf(file: ClawFile, get: (k: string) => string | undefined): Record<string, RepoConfig> {
  return Object.fromEntries(
    Object.entries(file.repos ?? {}).map(([name, r]) => [
      name,
      {
        ...r,
        name,
        ciPaths: [...new Set([...DEFAULT_CI_PATHS, ...r.ciPaths])],
        ...(r.pullRequest ? { pullRequest: { ...r.pullRequest, token: get(r.pullRequest.tokenEnv) } } : {}),
      },
    ]),
  );
}

/**
 * The environment ClusterClaw's own child processes (Git talking to remotes with our credentials)
 * start from: this process's, read here like every other variable. Agents and CI never get it
 * whole (src/gate/run-ci.ts keeps PATH, LANG and TZ).
 */
export function childProcessEnv(): Readonly<Record<string, string | undefined>> {
  return { ...process.env };
}
