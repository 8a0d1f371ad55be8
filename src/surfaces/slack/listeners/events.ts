import type { App } from '@slack/bolt';
import { canDecide } from '../../../policy/evaluate.ts';
import { listPending } from '../../../store/proposals.ts';
import { firstDelivery, pruneSlackEvents } from '../../../store/slack-events.ts';
import { latestTaskInThread, listTasksOf } from '../../../store/tasks.ts';
import { CHANGE_FOLLOW_UP, type ClawCommand, parseClawCommand } from '../command-parser.ts';
import { homeView } from '../home-view.ts';
import type { SlackDeps } from '../slack-deps.ts';
import { runClawCommand } from './claw-command.ts';
import { approverGroupsOf } from './show-decision.ts';

/**
 * Events API: @mentions (a question, or a follow-up in a task's thread) and the App Home tab.
 * Slack retries an event up to three times and Bolt does not dedupe: the first delivery of an
 * event_id wins, across replicas. Bolt has already acked; listeners only write the store and post.
 */
export function registerEvents(app: App, deps: SlackDeps): void {
  let prunedAt = 0;
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string') {
      if (Date.now() - prunedAt > 3_600_000) {
        prunedAt = Date.now();
        void pruneSlackEvents(deps.db).catch((err) => deps.logger.warn({ err }, 'cannot prune Slack event ids'));
      }
      const first = await firstDelivery(deps.db, eventId).catch((err) => {
        // Better twice than never: without the store, let the event through.
        deps.logger.warn({ err, eventId }, 'cannot record a Slack event id');
        return true;
      });
      if (!first) return deps.logger.debug({ eventId }, 'duplicate Slack event ignored');
    }
    await next();
  });

  app.event('app_mention', async ({ event, client, context }) => {
    // Only the bot's own mention goes; others in the question ("why did <@U123>'s deploy fail") stay.
    const bot = context.botUserId
      ? new RegExp(`<@${context.botUserId}(\\|[^>]*)?>`, 'g')
      : /^\s*<@[UW][A-Z0-9]+(\|[^>]*)?>/;
    const text = (event.text ?? '').replace(bot, ' ').trim();
    const user = event.user;
    if (!user) return;
    const threadTs = event.thread_ts ?? event.ts;
    const parent = event.thread_ts ? await latestTaskInThread(deps.db, event.channel, event.thread_ts) : undefined;
    const cmd = changeFollowUp(parseClawCommand(text), text, parent?.question, Object.keys(deps.config.repos));
    // A question in a task's thread inherits its scope and what it found so far.
    const scoped =
      cmd.kind === 'investigate' && parent
        ? { ...cmd, namespace: cmd.namespace ?? parent.namespace ?? undefined, cluster: cmd.cluster ?? parent.cluster }
        : cmd;
    // A change asked for in an investigation's thread carries what it found to the coding agent.
    const followUp =
      parent && (cmd.kind === 'investigate' || cmd.kind === 'change')
        ? { parentTaskId: parent.id, context: await conclusionOf(deps, parent.id, parent.question) }
        : undefined;
    await runClawCommand(scoped, {
      client,
      deps,
      ask: { source: 'mention', channel: event.channel, user, team: context.teamId ?? event.team, threadTs, followUp },
      reply: async (reply) =>
        void (await client.chat.postEphemeral({ channel: event.channel, user, thread_ts: threadTs, text: reply })),
      inboxReply: { ephemeral: { channel: event.channel, user, threadTs } },
    });
  });

  const groupsOf = approverGroupsOf(app, deps);
  let workspaceUrl: Promise<string | undefined> | undefined;
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    workspaceUrl ??= client.auth.test().then(
      (r) => r.url,
      () => undefined,
    );
    const groups = await groupsOf(event.user);
    const waiting = (await listPending(deps.db)).filter(
      (p) =>
        canDecide(
          event.user,
          p.requester,
          deps.config,
          p.approvers?.length ? p.approvers : deps.config.approvals.approvers,
          groups,
        ).ok,
    );
    const view = homeView({
      user: event.user,
      workspaceUrl: await workspaceUrl,
      waiting,
      mine: await listTasksOf(deps.db, event.user),
    });
    await client.views.publish({ user_id: event.user, view });
  });
}

/** What the thread's latest task concluded, for a follow-up's context. */
async function conclusionOf(deps: SlackDeps, taskId: string, question: string): Promise<string> {
  const latest = await deps.db
    .selectFrom('runs')
    .select(['status', 'summary'])
    .where('task_id', '=', taskId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return `Earlier question in this thread: ${question}\n${latest ? `Its latest run (${latest.status}) concluded: ${latest.summary ?? 'nothing yet'}` : 'It has not run yet.'}`;
}

/**
 * "open a change for that" in a task's thread: a change task on the one configured repository,
 * about what the thread found; with several, the asker names one.
 */
function changeFollowUp(
  cmd: ClawCommand,
  text: string,
  parentQuestion: string | undefined,
  repos: string[],
): ClawCommand {
  if (parentQuestion === undefined || cmd.kind !== 'investigate' || !CHANGE_FOLLOW_UP.test(text)) return cmd;
  if (repos.length === 1)
    return { kind: 'change', repo: repos[0]!, question: `${text} (what this thread found about: ${parentQuestion})` };
  return {
    kind: 'usage',
    problem: repos.length
      ? `Which repository? Say \`@ClusterClaw change <repo> <what>\` here, with one of ${repos.map((r) => `\`${r}\``).join(', ')}.`
      : 'No repositories are configured for changes (repos: in claw.yaml), so I cannot open one.',
  };
}
