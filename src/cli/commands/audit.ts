import { auditHead, verifyAudit } from '../../audit/audit-log.ts';
import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { openRuntime } from '../../runtime.ts';
import { cliLogLevel } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

export const auditCommand: Command = {
  ...commandInfo('audit'),
  async run(argv) {
    const { values, positionals } = parse(argv, { since: { type: 'string' }, 'expect-head': { type: 'string' } });
    const [sub] = positionals;
    if (sub !== 'verify' && sub !== 'export' && sub !== 'head')
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: head, verify or export');
    const since = values.since ?? '0';
    if (!/^\d+$/.test(since)) throw new UsageError('--since must be a sequence number');
    const expect = values['expect-head'];
    const anchor = expect === undefined ? undefined : /^(\d+):([0-9a-f]{64})$/.exec(expect);
    if (expect !== undefined && !anchor)
      throw new UsageError('--expect-head takes SEQ:HASH as `claw audit head` printed it (e.g. 42:9f86d0…)');
    const rt = await openRuntime(loadConfig(), { logLevel: cliLogLevel() });
    try {
      if (sub === 'head') {
        // Reads only: printing the head appends nothing, so it can be anchored as it is.
        const head = await auditHead(rt.store.db);
        process.stdout.write(head ? `${head.seq} ${head.hash}\n` : `0 ${'0'.repeat(64)}\n`);
        return 0;
      }
      if (sub === 'verify') {
        const result = await verifyAudit(rt.store.db, anchor ? { seq: anchor[1]!, hash: anchor[2]! } : undefined);
        if (result.ok) {
          process.stdout.write(
            `audit log intact: ${result.entries} entries, every link verifies${anchor ? `, and it still reaches ${anchor[1]}:${anchor[2]!.slice(0, 16)}…` : ''}\n`,
          );
          return 0;
        }
        process.stderr.write(`audit log broken at seq ${result.brokenAt}: ${result.reason}\n`);
        return 1;
      }
      const rows = await rt.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', since)
        .orderBy('seq')
        .execute();
      for (const r of rows)
        process.stdout.write(
          `${JSON.stringify({ seq: Number(r.seq), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, subject: r.subject, data: r.data, prevHash: r.prev_hash, hash: r.hash, keyId: r.key_id })}\n`,
        );
      return 0;
    } finally {
      await rt.close();
    }
  },
};
