import { decide } from '../../approvals/decide.ts';
import { executeProposal } from '../../approvals/execute.ts';
import { withdrawApproval } from '../../approvals/withdraw.ts';
import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { driveRun } from '../../supervisor/drive-run.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

async function decideFromCli(argv: string[], decision: 'approve' | 'reject'): Promise<number> {
  const { values, positionals } = parse(argv, { as: { type: 'string' }, reason: { type: 'string' } });
  const proposalId = positionals[0];
  if (!proposalId) throw new UsageError('PROPOSAL is required');
  if (decision === 'reject' && !values.reason?.trim()) throw new UsageError('--reason is required to reject');
  const config = loadConfig();
  if (!config.databaseUrl && !values.as)
    throw new UsageError('--as USER is required (the Slack user ID of the approver)');
  const rt = await runtimeForCli(config);
  try {
    const db = rt.store.db;
    const me = await cliIdentity(rt, config, { as: values.as, needApprover: true });
    const result = await decide(
      { db, config },
      {
        proposalId,
        actor: me.actor,
        decision,
        reason: values.reason,
        requireReason: decision === 'reject',
        via: me.via,
      },
    );
    if (!result.ok) {
      process.stderr.write(`claw ${decision}: refused: ${result.message.replace(/<@([A-Z0-9]+)>/g, '$1')}\n`);
      return 1;
    }
    if (result.outcome === 'needs_more') {
      process.stdout.write(`recorded: ${result.approvals} of ${result.required} approvals for ${proposalId}\n`);
      return 0;
    }
    if (result.outcome === 'rejected') {
      process.stdout.write(`rejected ${proposalId}: no change was made\n`);
      if (rt.store.kind === 'pglite') await driveRun(rt.supervisor, db, result.proposal.run_id);
      return 0;
    }
    // Same executor as Slack's path; whoever wins approved → executing applies it, once.
    const exec = await executeProposal(
      {
        db,
        config: rt.config,
        kubeConfigFor: rt.kubeConfigFor,
        // A plan runs step by step: each step is said as it happens.
        progress: (m) => process.stderr.write(`▸ ${m}\n`),
      },
      proposalId,
      `cli:${me.actor}`,
    );
    // The embedded store serves this process only, so finish the run here; on PostgreSQL the
    // serving replicas' supervisors pick it up and report in its Slack thread.
    if (rt.store.kind === 'pglite') await driveRun(rt.supervisor, db, result.proposal.run_id);
    if (!exec.executed) {
      process.stderr.write(`claw approve: approved, but not executed here: ${exec.reason}\n`);
      return 1;
    }
    const o = exec.outcome;
    process.stdout.write(`${o.applied ? 'applied' : 'not applied'} ${proposalId}: ${o.message}\n`);
    return o.applied && o.verified ? 0 : 1;
  } finally {
    await rt.close();
  }
}

export const approveCommand: Command = {
  ...commandInfo('approve'),
  run: (argv) => decideFromCli(argv, 'approve'),
};

export const rejectCommand: Command = {
  ...commandInfo('reject'),
  run: (argv) => decideFromCli(argv, 'reject'),
};

export const withdrawCommand: Command = {
  ...commandInfo('withdraw'),
  async run(argv) {
    const { values, positionals } = parse(argv, { as: { type: 'string' } });
    const proposalId = positionals[0];
    if (!proposalId) throw new UsageError('PROPOSAL is required');
    const config = loadConfig();
    if (!config.databaseUrl && !values.as)
      throw new UsageError('--as USER is required (the Slack user ID of the approver)');
    const rt = await runtimeForCli(config);
    try {
      const me = await cliIdentity(rt, config, { as: values.as, needApprover: true });
      const result = await withdrawApproval(
        { db: rt.store.db, config },
        { proposalId, actor: me.actor, via: { surface: 'cli' } },
      );
      if (!result.ok) {
        process.stderr.write(`claw withdraw: refused: ${result.message}\n`);
        return 1;
      }
      process.stdout.write(
        `withdrawn: ${proposalId} has ${result.approvals} of ${result.required} approvals and waits for approval\n`,
      );
      return 0;
    } finally {
      await rt.close();
    }
  },
};
