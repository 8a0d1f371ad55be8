import type { AlertRouting } from '../config/config.ts';
import type { WebhookPayload } from '../domain/alertmanager-payload.ts';
import { QueueFull } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Db } from '../store/db.ts';
import { type IngestResult, ingestBatch } from './ingest.ts';

export interface IngestQueueDeps {
  db: Db;
  routing: AlertRouting;
  logger: Logger;
  clusterOf: (label: string | undefined) => string | undefined;
  /** Transactions in flight at once (default 1: batches grow instead, which measured faster). */
  parallel?: number;
  maxBatch?: number;
  maxAlerts?: number;
  /** Notifications waiting at most (default 2000); past it, submit refuses (the webhook answers 503 + Retry-After). */
  maxPending?: number;
}

/** The queue holds as many notifications as it may: Alertmanager retries a 503 later. */

interface Pending {
  p: WebhookPayload;
  key: string;
  resolve(r: IngestResult): void;
  reject(e: unknown): void;
}

/**
 * Group commit for webhook notifications: what arrives while a transaction is in flight goes into
 * the next one, so a storm costs a few statements per batch instead of per notification. A group
 * is never in two batches at once (its notifications apply in arrival order). A batch that fails
 * as a whole is retried one notification at a time, so one bad notification fails only itself.
 */
export class IngestQueue {
  private pending: Pending[] = [];
  private readonly inFlight = new Set<string>();
  private running = 0;
  private readonly deps: IngestQueueDeps;

  constructor(deps: IngestQueueDeps) {
    this.deps = deps;
  }

  /** Whether a submit now would be refused: checked before a body is even read. */
  get full(): boolean {
    return this.pending.length >= (this.deps.maxPending ?? 2000);
  }

  /** Resolves once the notification is committed; rejects when the store fails it, or with QueueFull. */
  submit(p: WebhookPayload): Promise<IngestResult> {
    if (this.full) return Promise.reject(new QueueFull());
    return new Promise((resolve, reject) => {
      this.pending.push({ p, key: `${p.receiver}\u0000${p.groupKey}`, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.running < (this.deps.parallel ?? 1)) {
      const batch = this.take();
      if (!batch.length) return;
      this.running++;
      void this.flush(batch).finally(() => {
        this.running--;
        for (const b of batch) this.inFlight.delete(b.key);
        this.kick();
      });
    }
  }

  /** The oldest notifications whose groups are not in flight: one per group, within the size limits. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    let alerts = 0;
    const rest: Pending[] = [];
    for (const x of this.pending) {
      const fits =
        batch.length < (this.deps.maxBatch ?? 100) &&
        (batch.length === 0 || alerts + x.p.alerts.length <= (this.deps.maxAlerts ?? 20_000));
      if (fits && !keys.has(x.key) && !this.inFlight.has(x.key)) {
        batch.push(x);
        keys.add(x.key);
        this.inFlight.add(x.key);
        alerts += x.p.alerts.length;
      } else rest.push(x);
    }
    this.pending = rest;
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    const { db, routing, clusterOf } = this.deps;
    try {
      const results = await ingestBatch(
        db,
        routing,
        batch.map((b) => b.p),
        clusterOf,
      );
      for (const [i, b] of batch.entries()) b.resolve(results[i]!);
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      this.deps.logger.warn(
        { err, notifications: batch.length },
        'an alert batch failed; applying its notifications one by one',
      );
      for (const b of batch) {
        try {
          b.resolve((await ingestBatch(db, routing, [b.p], clusterOf))[0]!);
        } catch (e) {
          b.reject(e);
        }
      }
    }
  }
}
