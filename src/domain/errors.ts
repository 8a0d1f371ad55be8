/**
 * ClusterClaw's errors that reach a person — a CLI line, an HTTP status, a Slack reply, a tool
 * result a model reads. Each carries a stable `code` (as Bolt's errors do), so a boundary decides
 * how to report by code rather than by a list of classes, and scripts can match on it; the message
 * is what the user reads. Signals that never leave the supervisor (a run stopped, a budget spent, a
 * worker declining) are not errors in this sense and live with it.
 */
export const ErrorCode = {
  /** A command line that does not parse: exit 2 with the command's usage. */
  Usage: 'claw_usage',
  /** The user pressed Ctrl-C: what the command was driving is cancelled; exit 130. */
  Interrupted: 'claw_interrupted',
  /** claw.yaml or the environment is invalid: names the key. */
  Config: 'claw_config',
  /** No kubeconfig, or no such context. */
  NoCluster: 'claw_no_cluster',
  /** The embedded store is held by another process. */
  StoreLocked: 'claw_store_locked',
  /** The PostgreSQL server DATABASE_URL names cannot be reached, or refuses the credentials or database. */
  StoreUnreachable: 'claw_store_unreachable',
  /** A shared store without CLAW_SIGNING_KEY: nothing can be signed or verified. */
  SigningKeyMissing: 'claw_signing_key_missing',
  /** The CLI may not act as whom it was asked to (`--as` on a shared store, an unmapped identity). */
  IdentityRefused: 'claw_identity_refused',
  /** A namespace outside the task's scope. */
  OutOfScope: 'claw_out_of_scope',
  /** A write tool could not plan its change (the object is not there, nothing to change…). */
  PlanFailed: 'claw_plan_failed',
  /** rollout_undo on a workload with no earlier revision to go back to. */
  NoPreviousRevision: 'claw_no_previous_revision',
  /** A request the API server would not read as policy judged it (names, namespaces). */
  RequestInvalid: 'claw_request_invalid',
  /** Scope, policy or the server dry-run refused a proposal before anyone could approve it. */
  ProposalRefused: 'claw_proposal_refused',
  /** An Alertmanager notification that is not a version-4 webhook body: 400. */
  PayloadInvalid: 'claw_payload_invalid',
  /** A notification above alerts.maxBodyBytes: 413. */
  PayloadTooLarge: 'claw_payload_too_large',
  /** Too many notifications waiting to be stored: 503 with Retry-After. */
  QueueFull: 'claw_queue_full',
  /** An eval scenario folder that cannot be run. */
  ScenarioInvalid: 'claw_scenario_invalid',
  /** A model provider failed (retryable or not). */
  ModelUnavailable: 'claw_model_unavailable',
  /** Slack refused a post for good (channel gone, bot removed): stop retrying it. */
  NotifyRefused: 'claw_notify_refused',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CodedError extends Error {
  code: ErrorCode;
}

export class ClawError extends Error implements CodedError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isCodedError(e: unknown): e is CodedError {
  return e instanceof ClawError;
}

export class UsageError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.Usage, message);
  }
}

export class Interrupted extends ClawError {
  constructor(message: string) {
    super(ErrorCode.Interrupted, message);
  }
}

export class ConfigError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.Config, message);
  }
}

export class NoClusterError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.NoCluster, message);
  }
}

export class StoreLockedError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.StoreLocked, message);
  }
}

export class StoreUnreachable extends ClawError {
  constructor(message: string) {
    super(ErrorCode.StoreUnreachable, message);
  }
}

export class SigningKeyMissing extends ClawError {
  constructor(what: string) {
    super(
      ErrorCode.SigningKeyMissing,
      `${what} needs CLAW_SIGNING_KEY: on a shared store (DATABASE_URL) artifacts, approvals and the audit log are signed with a key kept outside the database. Set the same key on every replica and CLI (e.g. \`openssl rand -hex 32\`, from a Secret)`,
    );
  }
}

export class IdentityRefused extends ClawError {
  constructor(message: string) {
    super(ErrorCode.IdentityRefused, message);
  }
}

/** Read tools and the supervisor's scope check both throw this one (there used to be two). */
export class OutOfScope extends ClawError {
  constructor(message: string) {
    super(ErrorCode.OutOfScope, message);
  }
}

export class PlanError extends ClawError {
  constructor(message: string, code: ErrorCode = ErrorCode.PlanFailed) {
    super(code, message);
  }
}

export class NoPreviousRevisionError extends PlanError {
  constructor(message: string) {
    super(message, ErrorCode.NoPreviousRevision);
  }
}

export class RequestInvalid extends ClawError {
  constructor(message: string) {
    super(ErrorCode.RequestInvalid, message);
  }
}

export class ProposalRefused extends ClawError {
  readonly stage: 'request' | 'policy' | 'dry_run';
  /** The refused proposal as recorded (status `refused`), so `claw show` and `--json` list it. */
  readonly proposalId?: string;
  /** The rule or check that refused it (`gitops-owned`, `task-scope`, a policy rule…). */
  readonly rule?: string;
  constructor(stage: 'request' | 'policy' | 'dry_run', message: string, proposalId?: string, rule?: string) {
    super(ErrorCode.ProposalRefused, message);
    this.stage = stage;
    this.proposalId = proposalId;
    this.rule = rule;
  }
}

export class PayloadError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.PayloadInvalid, message);
  }
}

export class PayloadTooLarge extends ClawError {
  constructor(message = 'body too large') {
    super(ErrorCode.PayloadTooLarge, message);
  }
}

export class QueueFull extends ClawError {
  constructor() {
    super(ErrorCode.QueueFull, 'too many notifications waiting to be stored; retry');
  }
}

export class ScenarioError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.ScenarioInvalid, message);
  }
}

/**
 * A provider failure, classified: `retryable` (429, 529 overloaded, 5xx, timeouts, dropped
 * connections) means try again later or on the next model in the chain; otherwise the request
 * itself is wrong and retrying it elsewhere will not help.
 */
export class ModelUnavailable extends ClawError {
  readonly retryable: boolean;
  readonly status?: number;
  constructor(message: string, retryable: boolean, status?: number) {
    super(ErrorCode.ModelUnavailable, message);
    this.retryable = retryable;
    this.status = status;
  }
}

export class PermanentNotifyError extends ClawError {
  constructor(message: string) {
    super(ErrorCode.NotifyRefused, message);
  }
}
