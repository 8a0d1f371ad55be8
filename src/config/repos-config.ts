import { z } from 'zod';

// claw.yaml `repos:` and `workers:`: the Git repositories coding agents may change, and where their
// attempts run. What each key means is in docs/repositories.md.

const posInt = z.number().int().positive();

/** Glob patterns over repository paths (`**`, `*`, `?`), relative, never leaving the repository. */
const pathGlobs = z.array(
  z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'a path pattern is relative to the repository and stays inside it (no leading /, no ..)',
    }),
);

/** CI definitions most repositories have: changing one is high risk, whatever `ciPaths` adds. */
export const DEFAULT_CI_PATHS = [
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '.ci/**',
  'Jenkinsfile',
  'Makefile',
  '.pre-commit-config.yaml',
];

const repoEntry = z
  .strictObject({
    /** Any Git remote (`file://`, `https://`, `ssh://`, `git@host:path`). Credentials come from ClusterClaw's own Git setup, never from here. */
    url: z
      .string()
      .min(1)
      .refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(u), {
        message: 'must not carry a password or token (https://user:token@…): use a credential helper or an SSH key',
      }),
    branch: z
      .string()
      .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'must be a branch name')
      .default('main'),
    /** Shell command run on a clean checkout of the candidate commit; exit 0 is green. */
    ci: z.string().min(1),
    ciTimeoutSeconds: z.number().positive().default(600),
    paths: pathGlobs.default(['**']),
    ciPaths: pathGlobs.default([]),
    ciMaxFixAttempts: z.number().int().min(0).default(2),
    /** Commands the agent may run from its shell in its clone, each exactly as written (build, test, lint). */
    agentCommands: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .refine((c) => !/[;&|`$<>\n\r]/.test(c), {
            message: 'is one command, exactly as the agent must type it: no ; & | ` $ < > or newlines',
          }),
      )
      .default([]),
    manifests: pathGlobs.default([]),
    cluster: z.string().min(1).optional(),
    delivery: z.enum(['pull-request', 'push-branch', 'push']).default('push-branch'),
    pullRequest: z
      .strictObject({
        provider: z.enum(['github', 'gitlab', 'gitea']),
        apiUrl: z.string().url(),
        repo: z.string().min(1),
        tokenEnv: z.string().min(1),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.delivery === 'pull-request' && !r.pullRequest)
      ctx.addIssue({ code: 'custom', path: ['pullRequest'], message: 'delivery pull-request needs pullRequest' });
  });

export const reposSchema = z
  .record(
    z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a repository name is lowercase letters, digits, ., _ and -'),
    repoEntry,
  )
  .default({});

export const workersSchema = z
  .strictObject({
    runner: z.enum(['local', 'kubernetes-job']).default('local'),
    /** Coding-agent attempts at once per replica. */
    concurrency: posInt.default(4),
    /** runner kubernetes-job: where and how each attempt's turns run as Jobs. */
    job: z
      .strictObject({
        namespace: z.string().min(1),
        /** ClusterClaw's image (it ships the agent CLIs and `claw agent-job`). */
        image: z.string().min(1),
        /** How a Job's pod reaches this replica's gateway: default http://$POD_IP:<gatewayPort>. */
        gatewayUrl: z.string().url().optional(),
        gatewayPort: z.number().int().min(1).max(65535).default(8788),
        /** Where the gateway listens: 0.0.0.0 in a pod; the NetworkPolicy decides who reaches it. */
        gatewayHost: z.string().min(1).default('0.0.0.0'),
        cpu: z.string().default('1'),
        memory: z.string().default('2Gi'),
      })
      .optional(),
  })
  .superRefine((w, ctx) => {
    if (w.runner === 'kubernetes-job' && !w.job)
      ctx.addIssue({ code: 'custom', path: ['job'], message: 'runner kubernetes-job needs job: { namespace, image }' });
  });

export type RepoFile = z.infer<typeof repoEntry>;
