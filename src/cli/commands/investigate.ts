import { readFile } from 'node:fs/promises';
import { alertScope } from '../../alerts/alert-question.ts';
import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

export const investigateCommand: Command = {
  ...commandInfo('investigate'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      alert: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      context: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
    });
    let question = positionals.join(' ').trim();
    let groupKey: string | undefined;
    let alert: ReturnType<typeof alertScope>['alert'] | undefined;
    if (values.alert) {
      let scope: ReturnType<typeof alertScope>;
      try {
        scope = alertScope(JSON.parse(await readFile(values.alert, 'utf8')));
      } catch (e) {
        throw new UsageError(`--alert ${values.alert}: ${(e as Error).message}`);
      }
      question ||= scope.question;
      values.namespace ??= scope.namespace;
      groupKey = scope.groupKey;
      alert = scope.alert;
    }
    const config = loadConfig();
    const rt = await runtimeForCli(config, { verbose: values.verbose });
    try {
      rt.kubeConfigFor(values.context ?? 'default');
      // The requester is who the CLI is (cli-identity.ts): on a shared store, its Kubernetes identity,
      // so a person cannot request as one name and approve as their own mapped approver.
      const me = await cliIdentity(rt, config, { as: values.as });
      const { run } = await createTask(rt.store.db, {
        kind: 'investigate',
        source: 'cli',
        requester: me.actor,
        question,
        namespace: values.namespace,
        cluster: values.context ?? 'default',
        timeoutSeconds: config.runs.timeoutSeconds,
        alertGroupKey: groupKey,
        alert,
      });
      const done = await driveOwnRun(rt, run.id, me.actor);
      const report = await buildReport(rt.store.db, done.id);
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${done.summary ?? done.status}\nrun ${done.id}: ${done.status}\n`);
      return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
    } finally {
      await rt.close();
    }
  },
};
