import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { getRun } from '../../store/runs.ts';
import { getTask } from '../../store/tasks.ts';
import { RESTING } from '../../supervisor/drive-run.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

/**
 * A run left queued (its CLI process was stopped, or it waits out a retry) runs here, in this
 * process, to rest; nothing else in the queue is touched. Under `claw serve` queued runs need no
 * help: any replica takes them.
 */
export const resumeCommand: Command = {
  ...commandInfo('resume'),
  async run(argv) {
    const { values, positionals } = parse(argv, { verbose: { type: 'boolean', short: 'v', default: false } });
    const id = positionals[0];
    if (!id) throw new UsageError('RUN is required');
    const config = loadConfig();
    const rt = await runtimeForCli(config, { verbose: values.verbose });
    try {
      const run = await getRun(rt.store.db, id);
      if (!run) {
        process.stderr.write(`claw resume: no run ${id}\n`);
        return 1;
      }
      if (RESTING.includes(run.status)) {
        process.stderr.write(`claw resume: ${id} is ${run.status}; nothing to resume\n`);
        return 1;
      }
      const task = await getTask(rt.store.db, run.task_id);
      const done = await driveOwnRun(rt, id, task?.requester ?? `cli:${config.osUser}`);
      process.stdout.write(`${done.summary ?? done.status}\nrun ${done.id}: ${done.status}\n`);
      return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
    } finally {
      await rt.close();
    }
  },
};
