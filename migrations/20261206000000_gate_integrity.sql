-- A change policy or the server refused before it could be proposed is recorded as a proposal in
-- status 'refused' (never pending, never approvable), naming the rule that refused it, so the run,
-- `claw show` and `--json` say what was tried and why it was not offered for approval.
alter table proposals drop constraint proposals_status_check;
alter table proposals add constraint proposals_status_check check (status in ('pending', 'approved', 'rejected', 'expired', 'superseded', 'executing', 'executed', 'failed', 'refused'));
-- The stored request as a reviewer reads it in full (Slack's "Whole change", `claw show`): YAML,
-- with values that could be secrets shown as [redacted sha256:…].
alter table proposals add column request_view text not null default '';
-- Signatures made with CLAW_SIGNING_KEY, a key kept outside the database (HMAC-SHA256), and the id
-- of the key that made each one, so rows signed before a rotation still verify. A proposal's
-- covers its request, target, required approvals, approvers and expiry; an approval's, who decided
-- what on which signed proposal. Rows from before this migration have none: such a proposal is not
-- executed (propose it again) and such an approval is not counted.
alter table proposals add column key_id text;
alter table proposals add column signature text;
alter table approvals add column key_id text;
alter table approvals add column signature text;
-- The audit chain is keyed from here on: hash = HMAC(key, prev_hash + entry). Rows without a key id
-- (from before) are plain SHA-256 links, accepted only before the first keyed row.
alter table audit_log add column key_id text;
