import { loadConfig } from '../../config/config.ts';
import { startServer } from '../../surfaces/http/server.ts';
import { type Command, parse } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve',
  summary: 'run the bot: Slack and Alertmanager over HTTP on PORT, health and readiness, the supervisor',
  async run(argv) {
    parse(argv, {}, false);
    const server = await startServer(loadConfig());
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.stop();
    return 0;
  },
};
