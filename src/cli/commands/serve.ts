import { loadConfig } from '../../config/config.ts';
import { startServer } from '../../surfaces/http/server.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

export const serveCommand: Command = {
  ...commandInfo('serve'),
  async run(argv) {
    parse(argv, {}, false);
    const server = await startServer(loadConfig());
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.stop();
    // Everything that matters is drained and closed. What can still hold the event loop is an SDK's
    // retry timer (the Slack client retrying an unreachable API for minutes): it must not keep a
    // stopped replica alive past its grace period.
    setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
    return 0;
  },
};
