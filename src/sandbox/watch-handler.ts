import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../lib/kube-object.ts';
import type { ClusterState } from './cluster-state.ts';
import { ApiError, type WatchEvent } from './object-store.ts';
import { toTable } from './printing/table.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { WatchHistory } from './watch-history.ts';

const BOOKMARK_EVERY_MS = 5_000;

/**
 * A WATCH: initial ADDED events (or a replay from resourceVersion, 410 when it is too old), then
 * live events, optional bookmarks, one JSON object per line.
 */
export function watch(
  state: ClusterState,
  history: WatchHistory,
  req: IncomingMessage,
  res: ServerResponse,
  type: ResourceType,
  namespace: string | undefined,
  q: URLSearchParams,
  table: boolean,
): void {
  const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
  const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
  const matches = (e: WatchEvent) =>
    e.resource === type &&
    (!namespace || e.object.metadata.namespace === namespace) &&
    labels(e.object) &&
    fields(e.object);
  if (q.get('resourceVersion') && !/^\d+$/.test(q.get('resourceVersion')!))
    throw new ApiError(400, 'BadRequest', `invalid resource version "${q.get('resourceVersion')}"`);
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders(); // client-node's Watch waits for headers; a quiet watch must not hang it.
  // With Table output (kubectl get -w), each event carries a one-row Table instead of the object.
  const write = (event: string, object: KubeObject | Record<string, unknown>) =>
    res.write(
      `${JSON.stringify({ type: event, object: table && event !== 'ERROR' && event !== 'BOOKMARK' ? toTable(type, [object as KubeObject], state.now(), { resourceVersion: (object as KubeObject).metadata?.resourceVersion }) : object })}\n`,
    );
  const bookmark = (annotations?: Record<string, string>) =>
    write('BOOKMARK', {
      kind: type.kind,
      apiVersion: apiVersionOf(type),
      metadata: { resourceVersion: state.store.resourceVersion, ...(annotations ? { annotations } : {}) },
    });
  const rv = q.get('resourceVersion');
  if (!rv || rv === '0' || q.get('sendInitialEvents') === 'true') {
    for (const o of state.store.list(type, namespace)) if (labels(o) && fields(o)) write('ADDED', o);
    if (q.get('sendInitialEvents') === 'true') bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const missed = history.since(Number(rv));
    if (!missed) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: `too old resource version: ${rv}`,
      });
      res.end();
      return;
    }
    for (const e of missed) if (matches(e)) write(e.type, e.object);
  }
  const stop = state.store.onEvent((e) => matches(e) && write(e.type, e.object));
  const timeout = setTimeout(() => res.end(), Number(q.get('timeoutSeconds') ?? 1800) * 1000);
  // Bookmarks let a client resume from a recent resourceVersion without replaying events.
  const bookmarks =
    q.get('allowWatchBookmarks') === 'true' ? setInterval(() => bookmark(), BOOKMARK_EVERY_MS) : undefined;
  const close = () => {
    stop();
    clearTimeout(timeout);
    clearInterval(bookmarks);
  };
  req.on('close', close);
  res.on('close', close);
}
