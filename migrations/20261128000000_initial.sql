-- ClusterClaw domain model: tasks, runs, run events, proposals, approvals, audit log.
-- Written for PostgreSQL 15 (CI) and PGlite (embedded, PG 18).

create table tasks (
  id text primary key,
  kind text not null check (kind in ('investigate', 'remediate', 'report', 'change')),
  source text not null check (source in ('slash', 'mention', 'alert', 'schedule', 'cli')),
  requester text not null,
  cluster text not null default 'default',
  namespace text,
  question text not null default '',
  acceptance_criteria jsonb not null default '[]',
  slack_channel text,
  slack_thread_ts text,
  alert_group_key text,
  created_at timestamptz not null default now()
);

create table runs (
  id text primary key,
  task_id text not null references tasks(id),
  attempt integer not null default 1,
  status text not null check (status in ('queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'escalated')),
  worker text,
  lease_owner text,
  lease_expires_at timestamptz,
  steps integer not null default 0,
  input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  checkpoint jsonb,
  summary text,
  error text,
  timeout_seconds integer not null default 300,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index runs_queued_idx on runs (created_at) where status = 'queued';
create index runs_task_idx on runs (task_id);

create table run_events (
  run_id text not null references runs(id),
  seq integer not null,
  type text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  primary key (run_id, seq)
);

create table proposals (
  id text primary key,
  run_id text not null references runs(id),
  task_id text not null references tasks(id),
  action text not null,
  cluster text not null,
  target jsonb not null,
  request jsonb not null,
  target_spec_hash text not null,
  artifact_hash text not null,
  dry_run jsonb not null,
  diff text not null,
  risk text not null check (risk in ('low', 'medium', 'high')),
  blast_radius jsonb not null default '{}',
  rationale text not null default '',
  required_approvals integer not null default 1,
  status text not null check (status in ('pending', 'approved', 'rejected', 'expired', 'superseded', 'executing', 'executed', 'failed')),
  outcome jsonb,
  slack_channel text,
  slack_ts text,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  decided_at timestamptz,
  executed_at timestamptz
);
create index proposals_run_idx on proposals (run_id);

create table approvals (
  id bigserial primary key,
  proposal_id text not null references proposals(id),
  actor text not null,
  decision text not null check (decision in ('approve', 'reject')),
  reason text,
  artifact_hash text not null,
  created_at timestamptz not null default now(),
  unique (proposal_id, actor)
);

-- Append-only and hash-chained: each row's hash covers the previous row's hash.
create table audit_log (
  seq bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject text not null,
  data jsonb not null default '{}',
  prev_hash text not null,
  hash text not null unique
);
