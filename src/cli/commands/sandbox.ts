import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../domain/errors.ts';
import { parseCrdSets } from '../../sandbox/crds/crd-sets.ts';
import { startSandbox } from '../../sandbox/start-sandbox.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

export const sandboxCommand: Command = {
  ...commandInfo('sandbox'),
  async run(argv) {
    const { values } = parse(
      argv,
      {
        state: { type: 'string' },
        port: { type: 'string' },
        kubeconfig: { type: 'string' },
        warmup: { type: 'string' },
        crds: { type: 'string' },
      },
      false,
    );
    if (!values.state) throw new UsageError('--state FILE is required');
    const port = Number(values.port ?? 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: "${values.port}" is not a port number`);
    // Simulated time to run before serving, like a scenario's warmupSeconds (restarts, back-offs, deadlines).
    const warmupSeconds = Number(values.warmup ?? 0);
    if (!Number.isInteger(warmupSeconds) || warmupSeconds < 0 || warmupSeconds > 86_400)
      throw new UsageError(`--warmup: "${values.warmup}" is not a number of seconds (0-86400)`);
    let crdSets: string[] = [];
    try {
      crdSets = parseCrdSets(values.crds ?? '');
    } catch (e) {
      throw new UsageError(`--crds: ${(e as Error).message}`);
    }
    const stateYaml = await readFile(resolve(values.state), 'utf8').catch((e: Error) => {
      throw new UsageError(`--state: cannot read ${values.state}: ${e.message}`);
    });
    const sandbox = await startSandbox({
      stateYaml,
      port,
      warmupSeconds,
      crdSets,
      kubeconfigPath: values.kubeconfig ? resolve(values.kubeconfig) : undefined,
      onError: (e) => process.stderr.write(`sandbox controller error: ${(e as Error).stack}\n`),
    });
    for (const w of sandbox.load.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(
      `sandbox ready at ${sandbox.url} (cluster ${sandbox.name}, ${sandbox.load.objects} objects, ${sandbox.load.images} images${values.kubeconfig ? `, kubeconfig ${resolve(values.kubeconfig)}` : ''})\n`,
    );
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await sandbox.stop();
    return 0;
  },
};
