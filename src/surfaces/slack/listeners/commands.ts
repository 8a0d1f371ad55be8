import type { App } from '@slack/bolt';
import { cancelRun, getRun, listRuns } from '../../../store/runs.ts';
import { createTask } from '../../../tasks/create-task.ts';
import { rootMessage } from '../blocks.ts';
import { HELP_TEXT, parseClawCommand } from '../command-parser.ts';
import type { SlackDeps } from '../slack-deps.ts';

export const CANCEL_REPLY = {
  cancelled: (id: string) => `Cancelled \`${id}\`.`,
  requested: (id: string) => `Stopping \`${id}\`: the supervisor running it aborts its current step.`,
  finished: (id: string) => `\`${id}\` has already finished; nothing to cancel.`,
  unknown: (id: string) => `No run \`${id}\`.`,
} as const;

/** `/claw …`: acks at once, then creates a task threaded under a root message. */
export function registerCommands(app: App, deps: SlackDeps): void {
  app.command('/claw', async ({ command, ack, client, respond }) => {
    const cmd = parseClawCommand(command.text ?? '');
    switch (cmd.kind) {
      case 'help':
        return ack({ response_type: 'ephemeral', text: HELP_TEXT });
      case 'usage':
        return ack({ response_type: 'ephemeral', text: `${cmd.problem}\n\n${HELP_TEXT}` });
      case 'runs': {
        await ack();
        const runs = await listRuns(deps.db, 10);
        const lines = runs.map((r) => `• \`${r.id}\` ${r.status} — ${(r.summary ?? '').slice(0, 120)}`);
        await respond({ response_type: 'ephemeral', text: lines.length ? `*Recent runs*\n${lines.join('\n')}` : 'No runs yet.' });
        return;
      }
      case 'status': {
        await ack();
        const run = await getRun(deps.db, cmd.runId);
        await respond({ response_type: 'ephemeral', text: run ? `\`${run.id}\`: *${run.status}* (worker ${run.worker ?? '-'}, ${run.steps} steps)\n${run.summary ?? ''}` : `No run \`${cmd.runId}\`.` });
        return;
      }
      case 'cancel': {
        await ack();
        const result = await cancelRun(deps.db, cmd.runId, command.user_id);
        await respond({ response_type: 'ephemeral', text: CANCEL_REPLY[result](cmd.runId) });
        return;
      }
      case 'investigate': {
        await ack();
        const root = rootMessage({ question: cmd.question, namespace: cmd.namespace ?? null, requester: command.user_id }, deps.clusterName('default'));
        let ts: string;
        try {
          ts = (await client.chat.postMessage({ channel: command.channel_id, text: root.text, blocks: root.blocks })).ts as string;
        } catch (err) {
          deps.logger.warn({ err, channel: command.channel_id }, 'cannot post the root message');
          await respond({ response_type: 'ephemeral', text: 'I cannot post in this channel. Invite me first (`/invite @ClusterClaw`), then try again.' });
          return;
        }
        const { run } = await createTask(deps.db, {
          kind: 'investigate', source: 'slash', requester: command.user_id, question: cmd.question, namespace: cmd.namespace,
          slack: { channel: command.channel_id, threadTs: ts }, timeoutSeconds: deps.config.runs.timeoutSeconds,
        }, deps.notify);
        deps.logger.info({ runId: run.id, user: command.user_id }, 'investigation requested');
        return;
      }
    }
  });
}
