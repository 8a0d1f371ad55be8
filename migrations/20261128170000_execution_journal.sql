-- What an executor wrote down before it touched the cluster: who it was, when, and the target as
-- it stood. If it dies mid-way the proposal stays 'executing'; whoever resumes the run reads this
-- to tell "nothing was applied" from "applied, verify it" without ever applying it again.
alter table proposals add column execution jsonb;
