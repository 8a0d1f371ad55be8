import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

export const changeCommand: Command = {
  ...commandInfo('change'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      repo: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
    });
    const what = positionals.join(' ').trim();
    const config = loadConfig();
    const names = Object.keys(config.repos);
    if (!values.repo)
      throw new UsageError(
        `--repo is required: one of ${names.length ? names.join(', ') : '(none: add repos: to claw.yaml)'}`,
      );
    if (!config.repos[values.repo])
      throw new UsageError(
        `no repository "${values.repo}" in claw.yaml repos: ${names.length ? `one of ${names.join(', ')}` : 'none are configured'}`,
      );
    if (!what) throw new UsageError('say what to change: claw change --repo NAME "<what>"');
    const rt = await runtimeForCli(config, { verbose: values.verbose });
    try {
      const me = await cliIdentity(rt, config, { as: values.as });
      const { run } = await createTask(rt.store.db, {
        kind: 'change',
        source: 'cli',
        requester: me.actor,
        question: what,
        repo: values.repo,
        cluster: config.repos[values.repo]!.cluster ?? 'default',
        timeoutSeconds: config.runs.timeoutSeconds,
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
