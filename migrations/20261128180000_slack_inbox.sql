-- An investigation asked for in Slack is written here before Slack gets its acknowledgement, so
-- a replica dying right after the ack loses nothing: another replica's sweep finishes it. The
-- task is created in the same transaction that marks the row done (once, whoever gets there).
create table slack_inbox (
  id bigserial primary key,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  claimed_by text,
  claimed_until timestamptz,
  -- The root message once posted: a retry replies in it instead of opening a second thread.
  root_ts text,
  task_id text references tasks(id),
  done_at timestamptz
);
create index slack_inbox_open on slack_inbox (received_at) where done_at is null;
