-- Slack retries an event up to three times (and two replicas may both receive it): the first
-- delivery of an event_id wins. Rows older than a day are pruned.
create table slack_events (
  event_id text primary key,
  received_at timestamptz not null default now()
);

-- A question asked in an earlier task's thread (an @mention) is a follow-up: it keeps the thread,
-- the scope and what was concluded so far.
alter table tasks add column parent_task_id text references tasks(id);
alter table tasks add column context text;
-- The requester's workspace, for Slack's streaming API (recipient_team_id).
alter table tasks add column slack_team text;
