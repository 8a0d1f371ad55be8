import type { App } from '@slack/bolt';
import { parseClawCommand } from '../command-parser.ts';
import { acceptInvestigation } from '../inbox.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { type CommandContext, investigationOf, runClawCommand } from './claw-command.ts';

/**
 * `/claw …`: acks at once (help and usage in the ack itself), then answers ephemerally. An
 * investigation is stored before the ack, so a replica dying right after it loses nothing.
 */
export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/claw', async ({ command, ack, client, respond }) => {
    const cmd = parseClawCommand(command.text ?? '');
    const context: CommandContext = {
      client,
      deps,
      ask: { source: 'slash', channel: command.channel_id, user: command.user_id, team: command.team_id },
      reply: async (text) => void (await respond({ response_type: 'ephemeral', text })),
      inboxReply: { responseUrl: command.response_url },
    };
    if (cmd.kind === 'help' || cmd.kind === 'usage') {
      // Nothing to wait for: the help goes back in the acknowledgement.
      return runClawCommand(cmd, { ...context, reply: (text) => ack({ response_type: 'ephemeral', text }) });
    }
    if (cmd.kind === 'investigate' || cmd.kind === 'change' || cmd.kind === 'security' || cmd.kind === 'generate') {
      try {
        context.inboxId = await acceptInvestigation(deps, investigationOf(cmd, context), context.inboxReply);
      } catch (err) {
        deps.logger.error({ err }, 'cannot store a Slack request');
        // The database refusing the data (SQLSTATE class 22 or 54) is not an outage: say which it was.
        const refused = /^(22|54)/.test(String((err as { code?: unknown }).code ?? ''));
        return ack({
          response_type: 'ephemeral',
          text: refused
            ? 'I could not record this request: my database cannot store its text. Nothing was started; please rephrase it.'
            : 'I could not record this request (my database is unreachable). Nothing was started; please try again in a minute.',
        });
      }
    }
    await ack();
    deps.afterAck.run(() => runClawCommand(cmd, context));
  });
}
