-- A change policy or the server refused before it could be proposed is recorded as a proposal in
-- status 'refused' (never pending, never approvable), naming the rule that refused it, so the run,
-- `claw show` and `--json` say what was tried and why it was not offered for approval.
alter table proposals drop constraint proposals_status_check;
alter table proposals add constraint proposals_status_check check (status in ('pending', 'approved', 'rejected', 'expired', 'superseded', 'executing', 'executed', 'failed', 'refused'));
-- The stored request as a reviewer reads it in full (Slack's "Whole change", `claw show`): YAML,
-- with values that could be secrets shown as [redacted sha256:…].
alter table proposals add column request_view text not null default '';
