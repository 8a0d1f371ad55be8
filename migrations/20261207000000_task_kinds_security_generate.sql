-- Security posture reviews (`claw security`) and manifest generation (`claw generate --propose`)
-- are tasks of their own kinds.
alter table tasks drop constraint if exists tasks_kind_check;
alter table tasks add constraint tasks_kind_check
  check (kind in ('investigate', 'remediate', 'report', 'change', 'security', 'generate'));
