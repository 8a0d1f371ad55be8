-- A git_change proposal's candidate commit, kept as a Git bundle (the commits since its base) until
-- it is delivered: nothing is pushed before approval, and whichever process or replica executes
-- the approval reads the commit from here.
create table git_candidates (
  proposal_id text primary key references proposals(id) on delete cascade,
  repo text not null,
  base text not null,
  commit_sha text not null,
  bundle bytea not null,
  created_at timestamptz not null default now()
);
-- A change task names the configured repository (claw.yaml `repos`) it changes.
alter table tasks add column repo text;
