import type { IncomingMessage, ServerResponse } from 'node:http';
import { IngestQueue } from '../../alerts/ingest-queue.ts';
import type { Config } from '../../config/config.ts';
import { parsePayload } from '../../domain/alertmanager-payload.ts';
import { PayloadError, PayloadTooLarge, QueueFull } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Db } from '../../store/db.ts';
import { refuseUnread } from '../http/edge.ts';
import { sendJson } from '../http/health.ts';
import { authorized } from './webhook-auth.ts';

export interface WebhookDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** The kubeconfig context an alert's `cluster` label names, when it names one. */
  clusterOf: (label: string | undefined) => string | undefined;
  /** Something changed: wake this process's dispatcher (other replicas hear NOTIFY). */
  onChange: () => void;
  metrics?: Metrics;
}

/**
 * `POST /webhooks/alertmanager`. 200 only once the notification is stored (repeats too); 401 bad
 * or missing token; 413 too large; 400 malformed (Alertmanager does not retry 4xx); 503 when the
 * store fails, so Alertmanager retries; ingest is idempotent, so a retry loses and doubles nothing.
 */
export function alertmanagerWebhook(deps: WebhookDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = deps.config.alerts.maxBodyBytes;
  const queue = new IngestQueue({
    db: deps.db,
    routing: deps.config.alerts,
    logger: deps.logger,
    clusterOf: deps.clusterOf,
  });
  const count = (result: string) => deps.metrics?.alertNotifications.inc({ result });
  return (req, res) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
    const token = deps.config.alertmanagerToken;
    // Refused before the body is read: without credentials no one gets to make us buffer a body.
    if (!token) {
      count('unconfigured');
      return refuseUnread(res, 503, {
        error: 'ALERTMANAGER_TOKEN is not set on this server: the webhook refuses every notification',
      });
    }
    if (!authorized(req.headers.authorization, token)) {
      count('unauthorized');
      deps.logger.warn({ ip: req.socket.remoteAddress }, 'alertmanager webhook: bad or missing token');
      return refuseUnread(res, 401, {
        error: 'bad or missing credentials (Authorization: Bearer $ALERTMANAGER_TOKEN)',
      });
    }
    if (queue.full) {
      count('busy');
      return refuseUnread(
        res,
        503,
        { error: 'too many notifications waiting to be stored; retry' },
        { 'retry-after': '5' },
      );
    }
    const refuse = () => {
      count('too_large');
      tooLarge(res, limit);
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return refuse();
    readBody(req, limit).then(
      (body) => handle(deps, queue, body, res, count),
      (e) => {
        if (e instanceof PayloadTooLarge) return refuse();
        count('malformed');
        sendJson(res, 400, { error: `could not read the body: ${(e as Error).message}` });
      },
    );
  };
}

async function handle(
  deps: WebhookDeps,
  queue: IngestQueue,
  body: Buffer,
  res: ServerResponse,
  count: (result: string) => void,
): Promise<void> {
  let payload: ReturnType<typeof parsePayload>;
  try {
    payload = parsePayload(JSON.parse(body.toString('utf8')));
  } catch (e) {
    const message = e instanceof PayloadError ? e.message : `body is not JSON: ${(e as Error).message}`;
    count('malformed');
    return sendJson(res, 400, { error: message });
  }
  try {
    const r = await queue.submit(payload);
    count(r.changed ? 'changed' : 'repeat');
    if (r.changed) deps.onChange();
    deps.logger[r.changed ? 'info' : 'debug'](
      {
        group: r.groupId,
        receiver: payload.receiver,
        status: payload.status,
        alerts: payload.alerts.length,
        created: r.created,
        changed: r.changed,
        fired: r.fired,
        resolved: r.resolved,
      },
      'alertmanager notification',
    );
    sendJson(res, 200, { status: 'accepted', group: r.groupId, changed: r.changed });
  } catch (err) {
    if (err instanceof QueueFull) {
      count('busy');
      return refuseUnread(res, 503, { error: err.message }, { 'retry-after': '5' });
    }
    count('failed');
    deps.logger.error({ err }, 'alertmanager notification not stored; answering 503 so Alertmanager retries');
    sendJson(res, 503, { error: 'could not store the notification; retry' });
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new PayloadTooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** 413 and close: the unread rest of the body must not be parsed as the next request. */
function tooLarge(res: ServerResponse, limit: number): void {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: `body larger than ${limit} bytes; lower max_alerts in the Alertmanager receiver` }));
}
