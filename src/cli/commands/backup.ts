import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import type { Finding } from '../../domain/findings.ts';
import { listRunEvents } from '../../store/run-events.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

const COMMON = {
  context: { type: 'string' },
  as: { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
} as const;

/**
 * `claw backup`: "is it backed up, can we restore it?" for a namespace or the cluster — a task the
 * runbooks answer from Velero's objects with no model, proposing a backup where one is missing.
 */
export const backupCommand: Command = {
  ...commandInfo('backup'),
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON, namespace: { type: 'string', short: 'n' } });
    if (positionals.length)
      throw new UsageError(`backup takes no question ("${positionals.join(' ')}"): -n NS narrows it to a namespace`);
    const ns = values.namespace;
    return runBackupTask(
      `Is ${ns ? `namespace ${ns}` : 'every namespace'} backed up, and can it be restored?`,
      ns,
      values,
    );
  },
};

/** `claw restore NS [--from BACKUP] [--into NS]`: a velero_restore proposal behind the usual gate. */
export const restoreCommand: Command = {
  ...commandInfo('restore'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...COMMON,
      from: { type: 'string' },
      into: { type: 'string' },
      resources: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
    });
    const [ns, ...rest] = positionals;
    if (!ns || rest.length)
      throw new UsageError('restore takes one namespace: claw restore NS [--from BACKUP] [--into NS]');
    const names = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
    for (const [flag, v] of [
      ['namespace', ns],
      ['--from', values.from],
      ['--into', values.into],
    ] as const)
      if (v !== undefined && !names.test(v)) throw new UsageError(`${flag} "${v}" is not a Kubernetes name`);
    const resources = values.resources ? `the ${values.resources.split(',').join(', ')} of ` : '';
    const question = `restore ${resources}namespace ${ns}${values.from ? ` from backup ${values.from}` : ''}${values.into ? ` into namespace ${values.into}` : ''}${values.overwrite ? ', overwriting what exists' : ''}`;
    // A restore into another namespace reaches two: the task is not scoped to one.
    return runBackupTask(question, values.into && values.into !== ns ? undefined : ns, values);
  },
};

async function runBackupTask(
  question: string,
  namespace: string | undefined,
  values: { context?: string; as?: string; json?: boolean; verbose?: boolean },
): Promise<number> {
  const config = loadConfig();
  const rt = await runtimeForCli(config, { verbose: values.verbose });
  try {
    rt.kubeConfigFor(values.context ?? 'default');
    const me = await cliIdentity(rt, config, { as: values.as });
    const { run } = await createTask(rt.store.db, {
      kind: 'investigate',
      source: 'cli',
      requester: me.actor,
      question,
      namespace,
      cluster: values.context ?? 'default',
      timeoutSeconds: config.runs.timeoutSeconds,
    });
    const done = await driveOwnRun(rt, run.id, me.actor);
    const report = await buildReport(rt.store.db, done.id);
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const steps = (await listRunEvents(rt.store.db, done.id))
        .filter((e) => e.type === 'step')
        .map((e) => String((e.data as { message?: unknown }).message));
      const lines = [
        done.summary ?? done.status,
        '',
        ...steps.filter((m) => m.startsWith('Namespace ') || m.startsWith('Not checked')),
        ...report.findings.flatMap(findingLines),
      ];
      for (const p of report.proposals.filter((x) => x.status === 'pending'))
        lines.push('', `proposal ${p.id}: ${p.summary} (approve: claw approve ${p.id})`);
      lines.push(`run ${done.id}: ${done.status}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
  } finally {
    await rt.close();
  }
}

function findingLines(f: Finding): string[] {
  const where = `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
  return [
    `${(f.severity ?? '').toUpperCase().padEnd(8)} ${f.category.padEnd(16)} ${where}`,
    `         ${f.summary}`,
    ...f.evidence.slice(0, 3).map((e) => `           – ${e}`),
  ];
}
