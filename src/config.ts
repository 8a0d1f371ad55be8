import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

// claw.yaml: every key in CONTRACT.md is accepted (even before its feature exists); unknown keys are errors.
const fileSchema = z.strictObject({
  slack: z.strictObject({ alertChannel: z.string().optional() }).optional(),
  approvals: z.strictObject({
    approvers: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID like U0123ABC')).default([]),
    allowSelfApproval: z.boolean().default(false),
    ttlMinutes: z.number().positive().default(30),
  }).optional(),
  models: z.strictObject({
    providers: z.record(z.string(), z.strictObject({ baseUrl: z.string().url(), apiKeyEnv: z.string().optional() })).default({}),
    routes: z.record(z.string(), z.array(z.string())).default({}),
  }).optional(),
  runs: z.strictObject({
    timeoutSeconds: z.number().positive().default(300),
  }).optional(),
});

export type ClawFile = z.infer<typeof fileSchema>;

export interface Config {
  readonly port: number;
  readonly logLevel: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly configPath?: string;
  readonly kubeconfig?: string;
  readonly alertmanagerToken?: string;
  readonly slack: { readonly botToken?: string; readonly signingSecret?: string; readonly appToken?: string; readonly apiUrl: string; readonly alertChannel?: string };
  readonly approvals: { readonly approvers: readonly string[]; readonly allowSelfApproval: boolean; readonly ttlMinutes: number };
  readonly models: {
    readonly anthropic: { readonly apiKey?: string; readonly baseUrl?: string };
    readonly openai: { readonly apiKey?: string; readonly baseUrl?: string };
    readonly providers: Readonly<Record<string, { readonly baseUrl: string; readonly apiKey?: string }>>;
    readonly routes: Readonly<Record<string, readonly string[]>>;
  };
  readonly runs: { readonly timeoutSeconds: number };
  /** The OS user, for `cli:<user>` requesters. */
  readonly osUser: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** Reads env and claw.yaml once; the result is validated and frozen. Nothing else reads process.env. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const get = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const explicit = get('CLAW_CONFIG');
  const configPath = explicit ? resolve(cwd, explicit) : existsSync(resolve(cwd, 'claw.yaml')) ? resolve(cwd, 'claw.yaml') : undefined;
  if (explicit && !existsSync(configPath!)) throw new ConfigError(`CLAW_CONFIG: ${configPath} does not exist`);
  const file = configPath ? parseFile(configPath) : fileSchema.parse({});
  const port = Number(get('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: "${get('PORT')}" is not a port number`);
  const slackApiUrl = get('SLACK_API_URL') ?? 'https://slack.com/api/';
  const providers: Record<string, { baseUrl: string; apiKey?: string }> = {};
  for (const [name, p] of Object.entries(file.models?.providers ?? {})) {
    providers[name] = { baseUrl: p.baseUrl, apiKey: p.apiKeyEnv ? get(p.apiKeyEnv) : undefined };
  }
  return deepFreeze({
    port,
    logLevel: get('LOG_LEVEL') ?? 'info',
    databaseUrl: get('DATABASE_URL'),
    dataDir: resolve(cwd, get('CLAW_DATA_DIR') ?? '.claw'),
    configPath,
    kubeconfig: get('KUBECONFIG'),
    alertmanagerToken: get('ALERTMANAGER_TOKEN'),
    slack: {
      botToken: get('SLACK_BOT_TOKEN'),
      signingSecret: get('SLACK_SIGNING_SECRET'),
      appToken: get('SLACK_APP_TOKEN'),
      apiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
      alertChannel: file.slack?.alertChannel,
    },
    approvals: {
      approvers: file.approvals?.approvers ?? [],
      allowSelfApproval: file.approvals?.allowSelfApproval ?? false,
      ttlMinutes: file.approvals?.ttlMinutes ?? 30,
    },
    models: {
      anthropic: { apiKey: get('ANTHROPIC_API_KEY'), baseUrl: get('ANTHROPIC_BASE_URL') },
      openai: { apiKey: get('OPENAI_API_KEY'), baseUrl: get('OPENAI_BASE_URL') },
      providers,
      routes: file.models?.routes ?? {},
    },
    runs: { timeoutSeconds: file.runs?.timeoutSeconds ?? 300 },
    osUser: get('USER') ?? get('LOGNAME') ?? 'unknown',
  });
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
