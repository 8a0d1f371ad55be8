import { createLogger } from '../../src/observability/logger.ts';
import { housekeepingJobs } from '../../src/scheduled/scheduled-jobs.ts';
import { Supervisor, type SupervisorDeps } from '../../src/supervisor/supervisor.ts';

export type TestSupervisorDeps = Omit<SupervisorDeps, 'logger' | 'sinks'> &
  Partial<Pick<SupervisorDeps, 'logger' | 'sinks'>>;

/**
 * A supervisor as the CLI builds one — it reaps leases and expires proposals itself, since no
 * scheduler runs in a test — silent and without sinks unless the test gives its own.
 */
export function testSupervisor(deps: TestSupervisorDeps): Supervisor {
  return new Supervisor({
    logger: createLogger('silent'),
    sinks: [],
    housekeeping: housekeepingJobs(deps.db, deps.config),
    ...deps,
  });
}
