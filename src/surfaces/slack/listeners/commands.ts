import type { App } from '@slack/bolt';
import { parseClawCommand } from '../command-parser.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { runClawCommand } from './claw-command.ts';

/** `/claw …`: acks at once (help and usage in the ack itself), then answers ephemerally. */
export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/claw', async ({ command, ack, client, respond }) => {
    const cmd = parseClawCommand(command.text ?? '');
    if (cmd.kind === 'help' || cmd.kind === 'usage') {
      // Nothing to wait for: the help goes back in the acknowledgement.
      return runClawCommand(cmd, { client, deps, ask: { source: 'slash', channel: command.channel_id, user: command.user_id }, reply: (text) => ack({ response_type: 'ephemeral', text }) });
    }
    await ack();
    deps.afterAck.run(() => runClawCommand(cmd, {
      client, deps,
      ask: { source: 'slash', channel: command.channel_id, user: command.user_id, team: command.team_id },
      reply: async (text) => void (await respond({ response_type: 'ephemeral', text })),
    }));
  });
}
