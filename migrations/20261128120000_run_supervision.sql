-- Supervision: usage and cost per run, retry back-off, cancellation of running runs, and the
-- record of which workers a run used and why it moved on (routing, fallbacks, stalls).
alter table runs add column cost_usd double precision not null default 0;
alter table runs add column not_before timestamptz;
alter table runs add column cancel_requested_at timestamptz;
alter table runs add column nudges integer not null default 0;
alter table runs add column history jsonb not null default '[]';
create index runs_running_idx on runs (lease_expires_at) where status = 'running';
