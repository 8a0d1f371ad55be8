-- A change task an investigation started for a GitOps-managed object's fix: the owner that applies
-- the repository and the finding the change must make go away. Once the change is pushed, the
-- change task follows the owner's sync until the finding is gone.
alter table tasks add column gitops_fix jsonb;
