import type { Db } from './db.ts';
import type { NewTask, Task } from './schema.ts';

export async function insertTask(db: Db, task: NewTask): Promise<Task> {
  return db.insertInto('tasks').values(task).returningAll().executeTakeFirstOrThrow();
}

export async function getTask(db: Db, id: string): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setTaskThread(db: Db, id: string, channel: string, threadTs: string): Promise<void> {
  await db.updateTable('tasks').set({ slack_channel: channel, slack_thread_ts: threadTs }).where('id', '=', id).execute();
}
