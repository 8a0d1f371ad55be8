import type { webApi } from '@slack/bolt';
import { completeInbox, setInboxRoot } from '../../../store/slack-inbox.ts';
import { createTask } from '../../../tasks/create-task.ts';
import { rootMessage } from '../blocks.ts';
import type { SlackDeps } from '../slack-deps.ts';

export interface InvestigationAsk {
  channel: string;
  user: string;
  team?: string;
  question: string;
  namespace?: string;
  cluster?: string;
  /** Reply in this thread instead of starting one (a mention, a follow-up). */
  threadTs?: string;
  followUp?: { parentTaskId: string; context: string };
  source: 'slash' | 'mention';
  /** A change task on this configured repository (claw.yaml `repos`) instead of an investigation. */
  repo?: string;
  /** `/claw security` (a posture review) or `/claw generate` (manifests, as an apply proposal) instead of an investigation. */
  kind?: 'security' | 'generate';
}

/**
 * Posts the root message (in the ask's thread when it has one), then creates the task in that
 * thread. Returns a problem to show the user instead, when the bot cannot post there.
 *
 * `inbox`: the stored request this starts (src/surfaces/slack/inbox.ts). Its root, once posted,
 * is recorded so a retry replies there instead of opening a second thread, and the task is
 * created in the transaction that marks the request done: once, however many replicas retry.
 */
export async function startInvestigation(
  client: webApi.WebClient,
  deps: SlackDeps,
  ask: InvestigationAsk,
  inbox: { id: string; rootTs: string | null },
): Promise<{ ok: true; runId?: string } | { ok: false; problem: string }> {
  const repo = ask.repo ? deps.config.repos[ask.repo] : undefined;
  if (ask.repo && !repo) {
    const names = Object.keys(deps.config.repos);
    return {
      ok: false,
      problem: `No repository \`${ask.repo}\` is configured${names.length ? `: one of ${names.map((n) => `\`${n}\``).join(', ')}` : ' (repos: in claw.yaml)'}. Nothing was started.`,
    };
  }
  const cluster = ask.cluster ?? repo?.cluster ?? 'default';
  let threadTs = ask.threadTs;
  if (inbox.rootTs) threadTs ??= inbox.rootTs;
  else {
    // The scope is said before anything runs: as the thread's root, or as a reply in the asker's thread.
    const root = rootMessage(
      { question: ask.question, namespace: ask.namespace ?? null, requester: ask.user },
      deps.clusterName(cluster),
      repo,
    );
    let posted: string;
    try {
      posted = (
        await client.chat.postMessage({
          channel: ask.channel,
          text: root.text,
          blocks: root.blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        })
      ).ts as string;
    } catch (err) {
      deps.logger.warn({ err, channel: ask.channel }, 'cannot post the root message');
      return {
        ok: false,
        problem: 'I cannot post in this channel. Invite me first (`/invite @ClusterClaw`), then try again.',
      };
    }
    threadTs ??= posted;
    await setInboxRoot(deps.db, inbox.id, posted);
  }
  const created = await createTask(
    deps.db,
    {
      kind: repo ? 'change' : (ask.kind ?? 'investigate'),
      ...(repo ? { repo: repo.name } : {}),
      source: ask.source,
      requester: ask.user,
      question: ask.question,
      namespace: ask.namespace,
      cluster,
      slack: { channel: ask.channel, threadTs },
      slackTeam: ask.team,
      followUp: ask.followUp,
      timeoutSeconds: deps.config.runs.timeoutSeconds,
    },
    deps.notify,
    (trx, taskId) => completeInbox(trx, inbox.id, taskId),
  );
  if (!created) return { ok: true };
  deps.logger.info({ runId: created.run.id, user: ask.user, source: ask.source }, 'investigation requested');
  return { ok: true, runId: created.run.id };
}
