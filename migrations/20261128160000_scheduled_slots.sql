-- Scheduled jobs (node-cron) run once per slot across replicas: the replica whose insert wins
-- runs the job; the others skip it. Rows record who ran it and how it ended; pruned after 30 days.
create table scheduled_slots (
  job text not null,
  slot timestamptz not null,
  owner text not null,
  started_at timestamptz not null default now(),
  lease_until timestamptz not null,
  finished_at timestamptz,
  primary key (job, slot)
);
