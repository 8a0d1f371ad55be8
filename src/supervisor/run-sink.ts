import type { Run, Task } from '../store/schema.ts';

export interface PersistedEvent {
  seq: number;
  type: string;
  data: Record<string, any>;
}

/** Where run progress goes besides the store: a Slack thread, a terminal. */
export interface RunSink {
  onEvent(task: Task, run: Run, event: PersistedEvent): Promise<void> | void;
}
