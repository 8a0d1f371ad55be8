import type { RunEventInput } from '../domain/run-events.ts';
import type { Logger } from '../observability/logger.ts';
import type { Db } from '../store/db.ts';
import { appendRunEvents } from '../store/run-events.ts';
import type { Run, Task } from '../store/schema.ts';
import type { PersistedEvent, RunSink } from './run-sink.ts';

/**
 * Orders, batches and persists a run's events, then fans each out to the sinks in order. An
 * event reaches a sink only after it is stored (Invariant 5); a failing sink never fails the run.
 */
export class EventPump {
  private buffer: RunEventInput[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly db: Db;
  private readonly task: Task;
  private readonly run: Run;
  private readonly sinks: readonly RunSink[];
  private readonly logger: Logger;
  private readonly batchMs: number;
  private readonly onPush: (e: RunEventInput) => void;
  /** Every event of this attempt, in order (the nudge tells the worker what it already did). */
  readonly history: RunEventInput[] = [];

  constructor(opts: {
    db: Db;
    task: Task;
    run: Run;
    sinks: readonly RunSink[];
    logger: Logger;
    batchMs?: number;
    onPush?: (e: RunEventInput) => void;
  }) {
    this.db = opts.db;
    this.task = opts.task;
    this.run = opts.run;
    this.sinks = opts.sinks;
    this.logger = opts.logger;
    this.batchMs = opts.batchMs ?? 50;
    this.onPush = opts.onPush ?? (() => {});
  }

  push(event: RunEventInput): void {
    this.buffer.push(event);
    this.history.push(event);
    this.onPush(event);
    this.timer ??= setTimeout(() => {
      this.flush().catch((err) => this.logger.error({ err, runId: this.run.id }, 'could not persist run events'));
    }, this.batchMs);
  }

  /** Resolves once every event pushed so far is stored and delivered to the sinks. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    // A failed batch is reported to its caller; later batches still go out.
    const next = this.chain.catch(() => {}).then(() => this.deliver(batch));
    this.chain = next;
    return next;
  }

  private async deliver(batch: RunEventInput[]): Promise<void> {
    if (batch.length === 0) return;
    const seqs = await appendRunEvents(
      this.db,
      this.run.id,
      batch.map((e) => ({ type: e.type, data: e.data as Record<string, unknown> })),
    );
    for (const [i, e] of batch.entries()) {
      const persisted: PersistedEvent = { seq: seqs[i]!, type: e.type, data: e.data as Record<string, unknown> };
      for (const sink of this.sinks) {
        try {
          await sink.onEvent(this.task, this.run, persisted);
        } catch (err) {
          this.logger.warn({ err, runId: this.run.id, event: e.type }, 'run sink failed');
        }
      }
    }
  }
}
