import type { PolicyConfig } from './policy-config.ts';

// The shape of the frozen configuration loadConfig() (config.ts) returns: what every module reads.

export interface Config {
  readonly port: number;
  readonly logLevel: string;
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly configPath?: string;
  readonly kubeconfig?: string;
  readonly alertmanagerToken?: string;
  /** prometheus.url (and the token from the variable prometheus.tokenEnv names): where volume usage comes from. */
  readonly prometheus?: { readonly url: string; readonly token?: string };
  /** When set, GET /metrics requires `Authorization: Bearer` with it (METRICS_TOKEN). */
  readonly metricsToken?: string;
  readonly slack: {
    readonly botToken?: string;
    readonly signingSecret?: string;
    readonly appToken?: string;
    readonly apiUrl: string;
    readonly alertChannel?: string;
    /** Investigations a user / a channel may start per hour from Slack (0: no limit). */
    readonly limits: { readonly perUserPerHour: number; readonly perChannelPerHour: number };
  };
  readonly approvals: {
    readonly approvers: readonly string[];
    readonly allowSelfApproval: boolean;
    readonly ttlMinutes: number;
    readonly identities: Readonly<Record<string, { readonly user: string; readonly groups: readonly string[] }>>;
    readonly checkAuthority: boolean;
    readonly impersonate: boolean;
    /** On a shared store, `--as` on the CLI is allowed only with this (a deliberate single-operator opt-in). */
    readonly cliAs: boolean;
    readonly admins: readonly string[];
    readonly withdraw: boolean;
  };
  /**
   * CLAW_SIGNING_KEY (signs artifacts, approvals and the audit chain; never in the database) and
   * CLAW_SIGNING_KEY_PREVIOUS (comma-separated keys still accepted for verifying, after a rotation).
   * Unset with the embedded store: one is generated into the data dir.
   */
  readonly signing: { readonly key?: string; readonly previous: readonly string[] };
  readonly models: {
    readonly anthropic: { readonly apiKey?: string; readonly baseUrl?: string };
    readonly openai: { readonly apiKey?: string; readonly baseUrl?: string };
    /** Coding agents' CLIs, when not the bundled ones (CLAUDE_CODE_PATH, CODEX_PATH, OPENCLAW_PATH). */
    readonly agentClis: { readonly claudeCode?: string; readonly codex?: string; readonly openclaw?: string };
    readonly providers: Readonly<Record<string, { readonly baseUrl: string; readonly apiKey?: string }>>;
    readonly routes: Readonly<Record<string, readonly string[]>>;
    /** Per worker id: provider/model (aliases), endpoint and key overrides, context window, prices. */
    readonly registry: Readonly<Record<string, ModelSpec>>;
    readonly breaker: { readonly failures: number; readonly cooldownSeconds: number };
  };
  readonly runs: RunLimits;
  readonly alerts: AlertRouting;
  /** node-cron expressions (in `timezone`) of the scheduled jobs; each runs once per slot across replicas. */
  readonly schedule: {
    readonly timezone: string;
    readonly expireProposals: string;
    readonly reapLeases: string;
    readonly prune: string;
    /** Slack requests acknowledged by a replica that died before starting them. */
    readonly slackInbox: string;
    /** Absent: no daily digest. `channels` empty: every channel with something to report. */
    readonly dailyDigest?: { readonly cron: string; readonly channels: readonly string[] };
  };
  /** Rules as data: protected namespaces, freezes, limits, per-scope approvals (src/policy). */
  readonly policy: PolicyConfig;
  /** claw.yaml `repos`: the Git repositories change tasks work on, by name. */
  readonly repos: Readonly<Record<string, RepoConfig>>;
  /** Where coding-agent attempts run, and how many at once per replica. */
  readonly workers: {
    readonly runner: 'local' | 'kubernetes-job';
    readonly concurrency: number;
    readonly job?: JobRunnerConfig;
  };
  /** Inside an agent Job's pod (`claw agent-job`): the replica's gateway and this turn's token. */
  readonly agentJob?: { readonly gateway: string; readonly token: string };
  /** The OS user, for `cli:<user>` requesters. */
  readonly osUser: string;
}

/** claw.yaml `alerts`: where Alertmanager groups go and when a channel gets a storm digest. */
export interface AlertRouting {
  readonly routes: readonly {
    readonly matchers: readonly string[];
    readonly channel?: string;
    readonly investigate?: boolean;
    readonly mute?: boolean;
    readonly cluster?: string;
  }[];
  /** `slack.alertChannel`: where a group opens when no route names a channel. */
  readonly defaultChannel?: string;
  readonly investigate: boolean;
  /** More than `threshold` groups opening in a channel within `windowSeconds` → a digest; it takes new groups until idle for `idleMinutes`. */
  readonly digest: { readonly threshold: number; readonly windowSeconds: number; readonly idleMinutes: number };
  /** A group that fires again after resolving is investigated again only this long after the last one. */
  readonly reinvestigateAfterMinutes: number;
  /** Webhook bodies above this get 413 (Alertmanager does not retry 4xx: size max_alerts to fit). */
  readonly maxBodyBytes: number;
}

export interface ModelSpec {
  readonly provider: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly contextWindow?: number;
  readonly price?: { readonly inputPerMTok: number; readonly outputPerMTok: number };
}

/** workers.runner kubernetes-job: each coding turn a Job from ClusterClaw's image. */
export interface JobRunnerConfig {
  readonly namespace: string;
  readonly image: string;
  /** The URL a Job's pod reaches this replica's agent gateway at. */
  readonly gatewayUrl: string;
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly cpu: string;
  readonly memory: string;
}

export interface Budget {
  readonly steps: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly wallSeconds: number;
}

export interface RunLimits {
  /** Hard wall limit: the run is killed. The budget's `wallSeconds` ends it gracefully before that. */
  readonly timeoutSeconds: number;
  readonly leaseSeconds: number;
  /** On shutdown, runs still going after this are handed back to the queue (checkpoint kept). */
  readonly shutdownSeconds: number;
  readonly maxAttempts: number;
  readonly retryBackoff: { readonly baseSeconds: number; readonly maxSeconds: number };
  readonly stall: { readonly seconds: number; readonly maxNudges: number };
  readonly budget: Budget;
  readonly concurrency: {
    readonly global: number;
    readonly perProcess: number;
    readonly perCluster: number;
    readonly perChannel: number;
  };
}

/** One repository agents may change, and the gate its changes must pass (docs/repositories.md). */
export interface RepoConfig {
  readonly name: string;
  readonly url: string;
  /** The tracked branch: agents start from its head; `push` delivery fast-forwards it. */
  readonly branch: string;
  readonly ci: string;
  readonly ciTimeoutSeconds: number;
  /** Globs of what agents may change. */
  readonly paths: readonly string[];
  /** Globs of CI definitions (the defaults and claw.yaml's): changing one makes a change high risk. */
  readonly ciPaths: readonly string[];
  readonly ciMaxFixAttempts: number;
  /** What the agent may run from its shell in its clone, each exactly (besides read-only git). */
  readonly agentCommands: readonly string[];
  /** Globs of Kubernetes manifests to render and server-dry-run; none: not applicable. */
  readonly manifests: readonly string[];
  /** kubeconfig context the manifests are dry-run against (default: the current one). */
  readonly cluster?: string;
  readonly delivery: 'pull-request' | 'push-branch' | 'push';
  readonly pullRequest?: {
    readonly provider: string;
    readonly apiUrl: string;
    readonly repo: string;
    readonly tokenEnv: string;
    /** The value of `tokenEnv`, read at start: only the executor uses it, never an agent or CI. */
    readonly token?: string;
  };
}
