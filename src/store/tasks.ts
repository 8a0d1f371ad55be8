import type { Db } from './db.ts';
import type { Task } from './schema.ts';

export async function getTask(db: Db, id: string): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest task asked in a Slack thread (follow-ups share their parent's thread). */
/** The change task `parentId` started on `repo`, if it did: an investigation starts one at most once. */
export async function changeTaskOf(db: Db, parentId: string, repo: string): Promise<Task | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('parent_task_id', '=', parentId)
    .where('kind', '=', 'change')
    .where('repo', '=', repo)
    .orderBy('created_at')
    .executeTakeFirst();
}

export async function latestTaskInThread(db: Db, channel: string, threadTs: string): Promise<Task | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('slack_channel', '=', channel)
    .where('slack_thread_ts', '=', threadTs)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A user's latest requests, each with its latest run (App Home). */
export async function listTasksOf(
  db: Db,
  requester: string,
  limit = 10,
): Promise<(Task & { run_id: string | null; run_status: string | null })[]> {
  return db
    .selectFrom('tasks')
    .leftJoin('runs', (j) =>
      j
        .onRef('runs.task_id', '=', 'tasks.id')
        .on('runs.id', '=', (eb) =>
          eb
            .selectFrom('runs as r')
            .select('r.id')
            .whereRef('r.task_id', '=', 'tasks.id')
            .orderBy('r.created_at', 'desc')
            .orderBy('r.id', 'desc')
            .limit(1),
        ),
    )
    .selectAll('tasks')
    .select(['runs.id as run_id', 'runs.status as run_status'])
    .where('tasks.requester', '=', requester)
    .orderBy('tasks.created_at', 'desc')
    .orderBy('tasks.id', 'desc')
    .limit(limit)
    .execute();
}
