import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AlertGroupStatus } from '../domain/alertmanager-payload.ts';
import type { ProposalRequest } from '../domain/git-change.ts';
import type { GitOpsFix } from '../domain/gitops-owner.ts';
import type { ObjectRef } from '../domain/object-ref.ts';
import type { ProposalStatus, Risk, StoredBlastRadius, StoredDryRun, StoredOutcome } from '../domain/proposal.ts';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import type { TaskAlert } from '../domain/task-alert.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export type RunStatus = 'queued' | 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'cancelled' | 'escalated';
export type TaskKind = 'investigate' | 'remediate' | 'report' | 'change' | 'security' | 'generate';
export type TaskSource = 'slash' | 'mention' | 'alert' | 'schedule' | 'cli';

export interface TasksTable {
  id: string;
  kind: TaskKind;
  source: TaskSource;
  requester: string;
  cluster: Generated<string>;
  namespace: string | null;
  question: Generated<string>;
  acceptance_criteria: Json<string[]>;
  slack_channel: string | null;
  slack_thread_ts: string | null;
  alert_group_key: string | null;
  /** The task whose thread this follow-up was asked in. */
  parent_task_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the thread concluded before this follow-up (untrusted: it may quote the cluster). */
  context: ColumnType<string | null, string | null | undefined, string | null>;
  slack_team: ColumnType<string | null, string | null | undefined, string | null>;
  /** The alert group that started this task: names, labels and the objects they point at. */
  alert: ColumnType<TaskAlert | null, string | null | undefined, string | null>;
  /** A change task's repository (claw.yaml `repos` name). */
  repo: ColumnType<string | null, string | null | undefined, string | null>;
  /** A change task started for a GitOps-managed object: the owner whose sync it follows, the finding to clear. */
  gitops_fix: ColumnType<GitOpsFix | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface RunsTable {
  id: string;
  task_id: string;
  attempt: Generated<number>;
  status: RunStatus;
  worker: string | null;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  steps: Generated<number>;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  checkpoint: Json<RunCheckpoint> | null;
  summary: string | null;
  error: string | null;
  timeout_seconds: Generated<number>;
  cost_usd: Generated<number>;
  /** A retried run is not claimed before this (exponential back-off with jitter). */
  not_before: NullableTimestamp;
  cancel_requested_at: NullableTimestamp;
  nudges: Generated<number>;
  /** Every worker attempt: which worker, why it was chosen or left. */
  history: ColumnType<RunHistoryEntry[], string | undefined, string>;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface RunHistoryEntry {
  attempt: number;
  worker: string;
  at: string;
  /** `orphaned`: its process died (lease expired); not the worker's fault, so it keeps the run. */
  /** `declined`: not the right worker for this task (runbooks before a model, for an alert they cannot explain). */
  /** `released`: handed back when its process shut down (SIGTERM); like `orphaned`, it keeps the run. */
  outcome: 'started' | 'unavailable' | 'declined' | 'stalled' | 'error' | 'orphaned' | 'released' | 'finished';
  reason?: string;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  type: string;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface ProposalsTable {
  id: string;
  run_id: string;
  task_id: string;
  action: string;
  cluster: string;
  target: Json<ObjectRef>;
  request: Json<ProposalRequest>;
  /** The request as a reviewer reads it in full: YAML, values that could be secrets as markers. */
  request_view: Generated<string>;
  target_spec_hash: string;
  artifact_hash: string;
  dry_run: Json<StoredDryRun>;
  diff: string;
  risk: Risk;
  blast_radius: Json<StoredBlastRadius>;
  rationale: Generated<string>;
  required_approvals: Generated<number>;
  /** The policy rule that decided (`claw policy explain` shows why). */
  policy_rule: Generated<string>;
  /** Who may approve, as the rule named them (empty: approvals.approvers). */
  approvers: ColumnType<string[], string | undefined, string>;
  status: ProposalStatus;
  outcome: Json<StoredOutcome> | null;
  slack_channel: string | null;
  slack_ts: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
  decided_at: NullableTimestamp;
  executed_at: NullableTimestamp;
  /** CLAW_SIGNING_KEY's HMAC over what the approval binds to (src/approvals/seal.ts), and its key id. */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
  signature: ColumnType<string | null, string | null | undefined, string | null>;
  /** Written before the executor applies anything (src/approvals/recover-execution.ts reads it). */
  execution: ColumnType<ExecutionJournal | null, string | null | undefined, string | null>;
}

export interface ExecutionJournal {
  /** `supervisor:<owner>` or `cli:<host>:<pid>`: the process applying it. */
  executor: string;
  startedAt: string;
  /**
   * The primary target as it stood just before the change (verification compares against it).
   * Absent while the executor has only claimed the proposal: nothing has been applied yet.
   */
  before?: unknown;
}

export interface ApprovalsTable {
  id: Generated<string>;
  proposal_id: string;
  actor: string;
  decision: 'approve' | 'reject';
  reason: string | null;
  artifact_hash: string;
  /** HMAC over who decided what on which signed proposal (src/approvals/seal.ts), and its key id. */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
  signature: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface AuditLogTable {
  seq: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  subject: string;
  data: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
  /** The signing key of this link's HMAC; null for a plain SHA-256 link from before signing. */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AlertGroupsTable {
  id: Generated<string>;
  receiver: string;
  group_key: string;
  status: AlertGroupStatus;
  group_labels: Json<Record<string, string>>;
  common_labels: Json<Record<string, string>>;
  common_annotations: Json<Record<string, string>>;
  external_url: Generated<string>;
  channel: string | null;
  investigate: Generated<boolean>;
  muted: Generated<boolean>;
  cluster: Generated<string>;
  firing: Generated<number>;
  resolved: Generated<number>;
  notifications: Generated<number>;
  version: Generated<number>;
  synced_version: Generated<number>;
  sync_owner: ColumnType<string | null, string | null | undefined, string | null>;
  sync_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  sync_failures: Generated<number>;
  thread_ts: ColumnType<string | null, string | null | undefined, string | null>;
  digest_id: ColumnType<string | null, string | null | undefined, string | null>;
  opened_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  slack_error: ColumnType<string | null, string | null | undefined, string | null>;
  task_id: ColumnType<string | null, string | null | undefined, string | null>;
  investigated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  first_seen_at: Timestamp;
  updated_at: Timestamp;
  resolved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AlertsTable {
  group_id: string;
  fingerprint: string;
  status: AlertGroupStatus;
  labels: Json<Record<string, string>>;
  annotations: Json<Record<string, string>>;
  starts_at: ColumnType<Date, Date | string, Date | string>;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  generator_url: Generated<string>;
  updated_at: Timestamp;
}

export interface AlertGroupNotesTable {
  id: Generated<string>;
  group_id: string;
  kind: string;
  text: string;
  posted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
}

export interface AlertDigestsTable {
  id: Generated<string>;
  channel: string;
  ts: ColumnType<string | null, string | null | undefined, string | null>;
  version: Generated<number>;
  synced_version: Generated<number>;
  sync_owner: ColumnType<string | null, string | null | undefined, string | null>;
  sync_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  task_id: ColumnType<string | null, string | null | undefined, string | null>;
  opened_at: Timestamp;
  last_group_at: Timestamp;
}

export interface Database {
  tasks: TasksTable;
  runs: RunsTable;
  run_events: RunEventsTable;
  proposals: ProposalsTable;
  approvals: ApprovalsTable;
  audit_log: AuditLogTable;
  claw_migrations: { name: string; applied_at: Timestamp };
  slack_events: { event_id: string; received_at: Timestamp };
  alert_groups: AlertGroupsTable;
  alerts: AlertsTable;
  alert_group_notes: AlertGroupNotesTable;
  alert_digests: AlertDigestsTable;
  scheduled_slots: ScheduledSlotsTable;
  slack_inbox: SlackInboxTable;
  git_candidates: GitCandidatesTable;
}

/** A git_change proposal's candidate commit as a Git bundle, until it is delivered. */
export interface GitCandidatesTable {
  proposal_id: string;
  repo: string;
  base: string;
  commit_sha: string;
  bundle: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  created_at: Timestamp;
}

/** An investigation asked for in Slack, stored before the acknowledgement (src/surfaces/slack/inbox.ts). */
export interface SlackInboxTable {
  id: Generated<string>;
  payload: Json<Record<string, unknown>>;
  received_at: Timestamp;
  claimed_by: string | null;
  claimed_until: NullableTimestamp;
  root_ts: string | null;
  task_id: string | null;
  done_at: NullableTimestamp;
}

/** One scheduled job's slot (a cron firing time) and the replica that ran it. */
export interface ScheduledSlotsTable {
  job: string;
  slot: ColumnType<Date, Date | string, Date | string>;
  owner: string;
  started_at: Timestamp;
  lease_until: ColumnType<Date, Date | string, Date | string>;
  finished_at: NullableTimestamp;
}

export type Task = Selectable<TasksTable>;
export type Run = Selectable<RunsTable>;
export type RunEvent = Selectable<RunEventsTable>;
export type Proposal = Selectable<ProposalsTable>;
export type Approval = Selectable<ApprovalsTable>;
export type NewTask = Insertable<TasksTable>;
export type AlertGroup = Selectable<AlertGroupsTable>;
export type StoredAlert = Selectable<AlertsTable>;
export type AlertDigest = Selectable<AlertDigestsTable>;
