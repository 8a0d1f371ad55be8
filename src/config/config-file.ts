import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { parseMatcher } from '../domain/alert-matchers.ts';
import { approverId, policySchema } from './policy-config.ts';
import { reposSchema, workersSchema } from './repos-config.ts';

// claw.yaml as written: every key the contract documents, validated with messages naming the key.
// src/config/config.ts turns it (with the environment) into the frozen Config the rest of the code reads.

const posInt = z.number().int().positive();
const cronExpr = z.string().refine((s) => validCron(s), {
  message: 'not a cron expression: "[second] minute hour day-of-month month day-of-week", e.g. "0 9 * * 1-5"',
});
const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. "Europe/Paris", "UTC")' },
);

/** A model worker: its id is what routes name (`anthropic:claude-sonnet-4-6`, or an alias with `provider` + `model`). */
const modelEntry = z.strictObject({
  provider: z.string().optional(),
  model: z.string().optional(),
  baseUrl: z.string().url().optional(),
  apiKeyEnv: z.string().optional(),
  contextWindow: posInt.optional(),
  price: z.strictObject({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) }).optional(),
});

const matcherText = z.string().superRefine((m, ctx) => {
  try {
    parseMatcher(m);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const alertRoute = z.strictObject({
  /** Alertmanager matchers over the group's common labels; all must match. [] matches everything. */
  matchers: z.array(matcherText).default([]),
  channel: z.string().optional(),
  investigate: z.boolean().optional(),
  mute: z.boolean().optional(),
  /** kubeconfig context to investigate in (else the alert's `cluster` label when it names one, else the default). */
  cluster: z.string().optional(),
});

// claw.yaml: every key docs/configuration.md and claw.example.yaml name is accepted (even before its feature exists); unknown keys are errors.
export const fileSchema = z.strictObject({
  slack: z
    .strictObject({
      alertChannel: z.string().optional(),
      /**
       * Investigations one Slack user, and one channel, may start per hour (slash commands and
       * mentions; alert-started runs are not counted): no member can read every namespace's logs or
       * run up model spend by flooding. 0 turns a limit off.
       */
      limits: z
        .strictObject({
          perUserPerHour: z.number().int().min(0).default(20),
          perChannelPerHour: z.number().int().min(0).default(60),
        })
        .optional(),
    })
    .optional(),
  /** Prometheus's HTTP API: volume usage from the kubelet's volume metrics instead of nodes/proxy. */
  prometheus: z.strictObject({ url: z.string().url(), tokenEnv: z.string().optional() }).optional(),
  approvals: z
    .strictObject({
      approvers: z.array(approverId).default([]),
      allowSelfApproval: z.boolean().default(false),
      ttlMinutes: z.number().positive().default(30),
      /** Slack user → the Kubernetes identity they act as, for authority checks. */
      identities: z
        .record(z.string(), z.strictObject({ user: z.string(), groups: z.array(z.string()).default([]) }))
        .default({}),
      /** Refuse to execute unless every approver could make the change themselves (SubjectAccessReview). */
      checkAuthority: z.boolean().default(false),
      /** Apply as the approver (Impersonate-User/Group) so the cluster's RBAC and audit log see the human. */
      impersonate: z.boolean().default(false),
      /**
       * On a shared store the CLI decides as its kubeconfig's Kubernetes identity; `true` lets
       * `claw approve/reject/cancel --as` name anyone instead (one operator, audited as such).
       */
      cliAs: z.boolean().default(false),
      /** Slack users who may cancel any run (besides its requester and its proposals' approvers). */
      admins: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID like U0123ABC')).default([]),
      /** Approvers may take back their approval before the proposal executes. */
      withdraw: z.boolean().default(true),
    })
    .optional(),
  models: z
    .strictObject({
      providers: z
        .record(z.string(), z.strictObject({ baseUrl: z.string().url(), apiKeyEnv: z.string().optional() }))
        .default({}),
      routes: z.record(z.string(), z.array(z.string())).default({}),
      registry: z.record(z.string(), modelEntry).default({}),
      breaker: z
        .strictObject({ failures: posInt.default(3), cooldownSeconds: z.number().positive().default(60) })
        .optional(),
    })
    .optional(),
  policy: policySchema.optional(),
  repos: reposSchema.optional(),
  workers: workersSchema.optional(),
  alerts: z
    .strictObject({
      routes: z.array(alertRoute).default([]),
      investigate: z.boolean().default(true),
      digest: z
        .strictObject({
          threshold: posInt.default(10),
          windowSeconds: z.number().positive().default(60),
          idleMinutes: z.number().positive().default(5),
        })
        .optional(),
      reinvestigateAfterMinutes: z.number().min(0).default(30),
      maxBodyBytes: posInt.default(4 * 1024 * 1024),
    })
    .optional(),
  schedule: z
    .strictObject({
      timezone: timeZone.default('UTC'),
      expireProposals: cronExpr.optional(),
      reapLeases: cronExpr.optional(),
      prune: cronExpr.optional(),
      slackInbox: cronExpr.optional(),
      dailyDigest: z
        .union([
          z.literal(false),
          z.strictObject({ cron: cronExpr.default('0 9 * * *'), channels: z.array(z.string().min(1)).optional() }),
        ])
        .optional(),
    })
    .optional(),
  runs: z
    .strictObject({
      timeoutSeconds: z.number().positive().default(300),
      leaseSeconds: z.number().positive().default(30),
      /** On SIGTERM, runs still going after this are handed back to the queue for another replica. */
      shutdownSeconds: z.number().min(0).default(10),
      maxAttempts: posInt.default(3),
      retryBackoff: z
        .strictObject({ baseSeconds: z.number().positive().default(2), maxSeconds: z.number().positive().default(60) })
        .optional(),
      stall: z
        .strictObject({ seconds: z.number().positive().default(60), maxNudges: z.number().int().min(0).default(2) })
        .optional(),
      budget: z
        .strictObject({
          steps: posInt.optional(),
          inputTokens: posInt.optional(),
          outputTokens: posInt.optional(),
          costUsd: z.number().positive().optional(),
          wallSeconds: z.number().positive().optional(),
        })
        .optional(),
      concurrency: z
        .strictObject({
          global: posInt.optional(),
          perProcess: posInt.optional(),
          perCluster: posInt.optional(),
          perChannel: posInt.optional(),
        })
        .optional(),
    })
    .optional(),
});

export type ClawFile = z.infer<typeof fileSchema>;
