import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { runJobTurn } from '../../workers/coding/job-turn.ts';
import { localCodingWorker } from '../../workers/router.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

/**
 * The entry point of an agent Job's pod (workers.runner kubernetes-job): one coding turn, its
 * events and work written to stdout as JSON lines for the replica that started the Job.
 */
export const agentJobCommand: Command = {
  ...commandInfo('agent-job'),
  async run(argv) {
    parse(argv, {}, false);
    const stop = new AbortController();
    const onSignal = () => stop.abort(new Error('the Job was stopped'));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await runJobTurn({
      config: loadConfig(),
      workerOf: (config) => {
        const id = config.models.routes.change?.[0];
        if (!id) throw new UsageError("the gateway's configuration names no coding agent");
        const made = localCodingWorker(id, config);
        if ('missing' in made) throw new UsageError(made.missing);
        return made.worker;
      },
      write: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
      signal: stop.signal,
    });
    return 0;
  },
};
