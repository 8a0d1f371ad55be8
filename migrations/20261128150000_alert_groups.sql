-- Alertmanager groups and their alerts. A notification carries the group's full current set of
-- alerts; ingest keeps one row per group (receiver + groupKey) and one per alert fingerprint, and
-- bumps `version` when something a human should see changed. Slack catches up asynchronously:
-- `synced_version` is what the thread shows, so a crash between the two loses nothing.
create table alert_groups (
  id bigserial primary key,
  receiver text not null,
  group_key text not null,
  status text not null,                     -- firing | resolved
  group_labels jsonb not null default '{}',
  common_labels jsonb not null default '{}',
  common_annotations jsonb not null default '{}',
  external_url text not null default '',
  -- Routing, decided once when the group opens (claw.yaml alerts.routes).
  channel text,
  investigate boolean not null default true,
  muted boolean not null default false,
  cluster text not null default 'default',
  firing integer not null default 0,
  resolved integer not null default 0,
  notifications integer not null default 0,
  version integer not null default 1,
  synced_version integer not null default 0,
  sync_owner text,
  sync_until timestamptz,
  sync_failures integer not null default 0,
  -- Slack: the group's own thread, or the storm digest it was folded into.
  thread_ts text,
  digest_id bigint,
  opened_at timestamptz,
  slack_error text,
  task_id text references tasks(id),
  investigated_at timestamptz,
  first_seen_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  unique (receiver, group_key)
);
create index alert_groups_unsynced_idx on alert_groups (updated_at) where version > synced_version;
create index alert_groups_channel_opened_idx on alert_groups (channel, opened_at);

create table alerts (
  group_id bigint not null references alert_groups(id),
  fingerprint text not null,
  status text not null,
  labels jsonb not null,
  annotations jsonb not null default '{}',
  starts_at timestamptz not null,
  ends_at timestamptz,
  generator_url text not null default '',
  updated_at timestamptz not null default now(),
  primary key (group_id, fingerprint)
);

-- What to say in a group's thread, in order (new alerts, some resolved, all resolved, firing again).
create table alert_group_notes (
  id bigserial primary key,
  group_id bigint not null references alert_groups(id),
  kind text not null,
  text text not null,
  posted_at timestamptz,
  created_at timestamptz not null default now()
);
create index alert_group_notes_pending_idx on alert_group_notes (group_id, id) where posted_at is null;

-- A storm: when more groups open in a channel within a minute than alerts.digest.threshold, the
-- rest are listed in one digest message (kept current) instead of a thread each.
create table alert_digests (
  id bigserial primary key,
  channel text not null,
  ts text,
  version integer not null default 1,
  synced_version integer not null default 0,
  sync_owner text,
  sync_until timestamptz,
  task_id text references tasks(id),
  opened_at timestamptz not null default now(),
  last_group_at timestamptz not null default now()
);
alter table alert_groups add constraint alert_groups_digest_fk foreign key (digest_id) references alert_digests(id);

-- The alert an investigation was started for: names, labels and the objects they point at.
alter table tasks add column alert jsonb;
