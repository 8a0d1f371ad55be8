import type { Command } from './command.ts';

/**
 * Every command's name, usage and summary, and how to load it. Commands load only when run, so
 * `claw sandbox` does not pay for the Slack, model and agent SDKs that `claw serve` needs. The
 * command modules take their metadata from here: one source for help and usage errors.
 */
export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMAND_TABLE: readonly CommandInfo[] = [
  {
    name: 'serve',
    usage: 'serve',
    summary: 'run the bot: Slack and Alertmanager over HTTP on PORT, health and readiness, the supervisor',
    load: async () => (await import('./commands/serve.ts')).serveCommand,
  },
  {
    name: 'demo',
    usage: 'demo [--yes]',
    summary: 'the whole loop on a simulated cluster with a seeded incident; --yes approves as the demo approver',
    load: async () => (await import('./commands/demo.ts')).demoCommand,
  },
  {
    name: 'sandbox',
    usage: 'sandbox --state FILE [--crds SET,…] [--port N] [--kubeconfig OUT] [--warmup SECONDS]',
    summary: 'serve a simulated cluster loaded from FILE on 127.0.0.1',
    load: async () => (await import('./commands/sandbox.ts')).sandboxCommand,
  },
  {
    name: 'investigate',
    usage: 'investigate [QUESTION] [--alert FILE] [-n NS] [--context CTX] [--as USER] [--json]',
    summary: 'investigate against the current kubeconfig; --json prints the report on stdout',
    load: async () => (await import('./commands/investigate.ts')).investigateCommand,
  },
  {
    name: 'change',
    usage: 'change --repo NAME "<what>" [--as USER] [--json]',
    summary: 'a change to a configured repository by a coding agent, through the CI gate, as a git_change proposal',
    load: async () => (await import('./commands/change.ts')).changeCommand,
  },
  {
    name: 'security',
    usage: 'security [-n NS] [--context CTX] [--as USER] [--json]',
    summary:
      'the ranked security-posture report (RBAC, Pod Security, NetworkPolicy, Trivy reports); fixes become proposals',
    load: async () => (await import('./commands/security.ts')).securityCommand,
  },
  {
    name: 'backup',
    usage: 'backup [-n NS] [--context CTX] [--as USER] [--json]',
    summary:
      'is each namespace backed up by Velero, and can it be restored now; a missing or failing backup becomes a velero_backup proposal',
    load: async () => (await import('./commands/backup.ts')).backupCommand,
  },
  {
    name: 'restore',
    usage:
      'restore NS [--from BACKUP] [--into NS] [--resources R,…] [--overwrite] [--context CTX] [--as USER] [--json]',
    summary:
      'a velero_restore proposal: NS from a named backup (default: its last good one), into itself or a new namespace',
    load: async () => (await import('./commands/backup.ts')).restoreCommand,
  },
  {
    name: 'upgrade',
    usage: 'upgrade [NAME] [--to VERSION [--check]] [--replicas N] [--context CTX] [--as USER] [--json]',
    summary:
      'upgrade readiness (versions, removed APIs, skew, PDBs, OpenShift operators and pools, Cluster API); --to proposes the upgrade (cluster_upgrade, node_pool_upgrade)',
    load: async () => (await import('./commands/upgrade.ts')).upgradeCommand,
  },
  {
    name: 'maintain',
    usage: 'maintain NODE [NODE…] [--kubelet VERSION | --label KEY=VALUE] [--context CTX] [--as USER] [--json]',
    summary:
      'a node maintenance plan: cordon, drain (PDBs hold), the change, uncordon — one node at a time, approved once, verified step by step',
    load: async () => (await import('./commands/maintain.ts')).maintainCommand,
  },
  {
    name: 'generate',
    usage: 'generate "<what>" [-n NS] [--context CTX] [--propose | --repo NAME] [--as USER] [--json]',
    summary:
      'production-ready manifests for a workload, validated by server dry-runs and policy; --propose or --repo delivers them',
    load: async () => (await import('./commands/generate.ts')).generateCommand,
  },
  {
    name: 'runs',
    usage: 'runs [--json]',
    summary: 'list recent runs',
    load: async () => (await import('./commands/runs.ts')).runsCommand,
  },
  {
    name: 'show',
    usage: 'show RUN [--json]',
    summary: 'one run with its events and proposals',
    load: async () => (await import('./commands/runs.ts')).showCommand,
  },
  {
    name: 'cancel',
    usage: 'cancel RUN [--as USER]',
    summary: 'cancel a run: at once when it waits, at its next step when it is running (any replica)',
    load: async () => (await import('./commands/runs.ts')).cancelCommand,
  },
  {
    name: 'resume',
    usage: 'resume RUN [-v]',
    summary: 'drive a queued run to rest in this process (only that run)',
    load: async () => (await import('./commands/resume.ts')).resumeCommand,
  },
  {
    name: 'approve',
    usage: 'approve PROPOSAL [--as USER] [--reason R]',
    summary: 'approve a proposal (same authorization and audit as Slack); executes it when approvals are complete',
    load: async () => (await import('./commands/decide.ts')).approveCommand,
  },
  {
    name: 'reject',
    usage: 'reject PROPOSAL [--as USER] --reason R',
    summary: 'reject a proposal; nothing is changed',
    load: async () => (await import('./commands/decide.ts')).rejectCommand,
  },
  {
    name: 'withdraw',
    usage: 'withdraw PROPOSAL [--as USER]',
    summary: 'take back your approval of a proposal, until it executes',
    load: async () => (await import('./commands/decide.ts')).withdrawCommand,
  },
  {
    name: 'policy',
    usage: 'policy explain (PROPOSAL | --action A [-n NS] [--risk R] [--backup-age NS=HOURS] …) [--json]',
    summary: 'why claw.yaml policy denies a change or how many approvals, from whom, it needs; every rule considered',
    load: async () => (await import('./commands/policy.ts')).policyCommand,
  },
  {
    name: 'audit',
    usage: 'audit (head | verify [--expect-head SEQ:HASH] | export [--since SEQ])',
    summary:
      "print the log's head (SEQ HASH), verify the signed chain (exit 1 naming the first broken row, or when it no longer reaches an expected head), or export it as JSON lines",
    load: async () => (await import('./commands/audit.ts')).auditCommand,
  },
  {
    name: 'rbac',
    usage: 'rbac impersonation [--namespace NS]',
    summary:
      'print the ClusterRole and binding approvals.impersonate needs, limited to the identities in approvals.identities',
    load: async () => (await import('./commands/rbac.ts')).rbacCommand,
  },
  {
    name: 'migrate',
    usage: 'migrate',
    summary: 'apply pending database migrations and exit',
    load: async () => (await import('./commands/migrate.ts')).migrateCommand,
  },
  {
    name: 'eval',
    usage: 'eval DIR [--json]',
    summary: 'run every scenario and task folder in DIR in a fresh sandbox and print a score table',
    load: async () => (await import('./commands/eval.ts')).evalCommand,
  },
  {
    name: 'agent-job',
    usage: 'agent-job',
    summary: "run one coding agent's turn inside an agent Job's pod (started by ClusterClaw, not by hand)",
    load: async () => (await import('./commands/agent-job.ts')).agentJobCommand,
  },
];

/** A command's metadata by name, for its module to spread into its Command. */
export function commandInfo(name: string): { name: string; usage: string; summary: string } {
  const info = COMMAND_TABLE.find((c) => c.name === name);
  if (!info) throw new Error(`no command ${name} in the command table`);
  return { name: info.name, usage: info.usage, summary: info.summary };
}
