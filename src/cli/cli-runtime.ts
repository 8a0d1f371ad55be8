import type { Config } from '../config/config.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import { housekeepingJobs } from '../scheduled/scheduled-jobs.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { terminalSink } from './terminal-sink.ts';

export interface CliRuntime extends Runtime {
  supervisor: Supervisor;
}

/** Store, kubeconfig and an in-process supervisor that renders to the terminal (stderr). */
export async function runtimeForCli(
  config: Config,
  opts: { verbose?: boolean; memoryStore?: boolean } = {},
): Promise<CliRuntime> {
  const rt = await openRuntime(config, { logLevel: cliLogLevel(opts.verbose), memoryStore: opts.memoryStore });
  const supervisor = new Supervisor({
    db: rt.store.db,
    config,
    logger: rt.logger,
    kubeConfigFor: rt.kubeConfigFor,
    sinks: [terminalSink(process.stderr, opts.verbose)],
    // No scheduler runs for the CLI: its supervisor reaps leases and expires proposals itself.
    housekeeping: housekeepingJobs(rt.store.db, config),
  });
  return { ...rt, supervisor };
}

/**
 * A person at a terminal reads the progress the terminal sink prints, not JSON log lines mixed
 * into it: logs are silent there unless asked for (-v). Piped or redirected, warnings go to stderr
 * as JSON for whatever collects them.
 */
export function cliLogLevel(verbose = false): string {
  if (verbose) return 'debug';
  return process.stderr.isTTY ? 'silent' : 'warn';
}
