import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import type { Finding } from '../../domain/findings.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

/**
 * `claw security`: a posture review task (RBAC, Pod Security, NetworkPolicy, Trivy reports) run
 * like any other — audited, its fixes proposals behind the same gate — printed as a ranked report.
 */
export const securityCommand: Command = {
  ...commandInfo('security'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      namespace: { type: 'string', short: 'n' },
      context: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
    });
    if (positionals.length)
      throw new UsageError(`security takes no question ("${positionals.join(' ')}"): -n NS narrows it to a namespace`);
    const config = loadConfig();
    const rt = await runtimeForCli(config, { verbose: values.verbose });
    try {
      rt.kubeConfigFor(values.context ?? 'default');
      const me = await cliIdentity(rt, config, { as: values.as });
      const { run } = await createTask(rt.store.db, {
        kind: 'security',
        source: 'cli',
        requester: me.actor,
        question: `Security posture review of ${values.namespace ? `namespace ${values.namespace}` : 'the cluster'}`,
        namespace: values.namespace,
        cluster: values.context ?? 'default',
        timeoutSeconds: config.runs.timeoutSeconds,
      });
      const done = await driveOwnRun(rt, run.id, me.actor);
      const report = await buildReport(rt.store.db, done.id);
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [done.summary ?? done.status, '', ...report.findings.flatMap(findingLines)];
        for (const p of report.proposals.filter((x) => x.status === 'pending'))
          lines.push('', `proposal ${p.id}: ${p.summary} (approve: claw approve ${p.id})`);
        lines.push(`run ${done.id}: ${done.status}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
    } finally {
      await rt.close();
    }
  },
};

function findingLines(f: Finding): string[] {
  const where = `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
  return [
    `${(f.severity ?? '').toUpperCase().padEnd(8)} ${f.category.padEnd(22)} ${where}`,
    `         ${f.summary}`,
    ...f.evidence.slice(0, 3).map((e) => `           – ${e}`),
  ];
}
