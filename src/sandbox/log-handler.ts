import type { ServerResponse } from 'node:http';
import { type ClusterState, T } from './cluster-state.ts';
import { containerLogs } from './controllers/kubelet.ts';
import { ApiError } from './object-store.ts';

/** GET pods/{name}/log: container, previous, tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, follow. */
export function sendLogs(
  state: ClusterState,
  res: ServerResponse,
  namespace: string | undefined,
  name: string,
  q: URLSearchParams,
): void {
  const pod = state.store.mustGet(T.pod, namespace, name);
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const container = q.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (!container)
    throw new ApiError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
    );
  const logs = containerLogs(state, pod, container, q.get('previous') === 'true');
  if (!logs.ok) throw new ApiError(400, 'BadRequest', logs.message);
  let lines = logs.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // The image prints its lines when the instance starts: sinceSeconds/sinceTime after that hide them.
  const since = q.get('sinceSeconds')
    ? state.now().getTime() - Number(q.get('sinceSeconds')) * 1000
    : q.get('sinceTime')
      ? Date.parse(q.get('sinceTime')!)
      : undefined;
  if (since !== undefined && logs.startedAt && logs.startedAt.getTime() < since) lines = [];
  if (q.get('timestamps') === 'true')
    lines = lines.map((l) => `${(logs.startedAt ?? state.now()).toISOString().replace('Z', '000000Z')} ${l}`);
  const tail = q.get('tailLines');
  if (tail !== null) lines = Number(tail) > 0 ? lines.slice(-Number(tail)) : [];
  let text = lines.map((l) => `${l}\n`).join('');
  const limitBytes = Number(q.get('limitBytes') ?? 0);
  if (limitBytes > 0) text = Buffer.from(text).subarray(0, limitBytes).toString();
  res.writeHead(200, { 'content-type': 'text/plain' });
  if (q.get('follow') !== 'true' || q.get('previous') === 'true') return void res.end(text);
  // follow: the stream stays open while this container instance runs, and ends when it stops.
  res.write(text);
  const instance = runningSince(state.store.get(T.pod, namespace, name), container);
  if (!instance) return void res.end();
  const timer = setInterval(() => {
    if (runningSince(state.store.get(T.pod, namespace, name), container) !== instance) {
      clearInterval(timer);
      res.end();
    }
  }, FOLLOW_POLL_MS);
  res.on('close', () => clearInterval(timer));
}

const FOLLOW_POLL_MS = 100;

function runningSince(pod: { status?: any } | undefined, container: string): string | undefined {
  return (pod?.status?.containerStatuses ?? []).find((c: { name: string }) => c.name === container)?.state?.running
    ?.startedAt;
}
