-- The policy decision a proposal was made under: the rule that decided and who may approve it.
alter table proposals add column policy_rule text not null default '';
alter table proposals add column approvers jsonb not null default '[]';
