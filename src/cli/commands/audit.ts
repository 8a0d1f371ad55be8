import { loadConfig } from '../../config.ts';
import { verifyAudit } from '../../audit/audit-log.ts';
import { openRuntime } from '../../runtime.ts';
import { type Command, UsageError, parse } from '../command.ts';

export const auditCommand: Command = {
  name: 'audit',
  usage: 'audit (verify | export [--since SEQ])',
  summary: 'verify the hash-chained audit log (exit 1 naming the first edited or missing row), or export it as JSON lines',
  async run(argv) {
    const { values, positionals } = parse(argv, { since: { type: 'string' } });
    const [sub] = positionals;
    if (sub !== 'verify' && sub !== 'export') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: verify or export');
    const since = values.since ?? '0';
    if (!/^\d+$/.test(since)) throw new UsageError('--since must be a sequence number');
    const rt = await openRuntime(loadConfig(), { logLevel: 'warn' });
    try {
      if (sub === 'verify') {
        const result = await verifyAudit(rt.store.db);
        if (result.ok) {
          process.stdout.write(`audit log intact: ${result.entries} entries, every hash links to the one before\n`);
          return 0;
        }
        process.stderr.write(`audit log broken at seq ${result.brokenAt}: that row, or one before it, was edited or deleted\n`);
        return 1;
      }
      const rows = await rt.store.db.selectFrom('audit_log').selectAll().where('seq', '>', since).orderBy('seq').execute();
      for (const r of rows) process.stdout.write(`${JSON.stringify({ seq: Number(r.seq), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, subject: r.subject, data: r.data, prevHash: r.prev_hash, hash: r.hash })}\n`);
      return 0;
    } finally {
      await rt.close();
    }
  },
};
