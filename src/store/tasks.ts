import type { Db } from './db.ts';
import type { Task } from './schema.ts';

export async function getTask(db: Db, id: string): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}
