import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { parseApiPath } from '../api-paths.ts';
import type { JournalEntry } from '../api-server.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { authenticate, authorizeImpersonated, authorizeImpersonation, impersonationOf } from '../impersonation.ts';
import { ApiError } from '../object-store.ts';
import { type ExecTarget, execTarget, runInContainer } from './container-exec.ts';
import { interactiveSession } from './interactive.ts';

/** The remote-command protocol kubectl 1.32 speaks over WebSockets (stream id first, 255 closes a stream). */
export const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;
/**
 * How long a started process takes to write anything. kubectl 1.32 reads frames while it is still
 * creating its streams and drops a frame for a stream it has not created yet ("Unknown stream id
 * 2"); a real runtime's start-up latency hides that race, so the simulated one has it too.
 */
const PROCESS_START_MS = 40;

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => (offered.has(V5) ? V5 : offered.has(V4) ? V4 : false),
});

/**
 * `kubectl exec` (pods/NAME/exec with an Upgrade: websocket): authorizes `create pods/exec` as the
 * API server does, then runs the command in the container's simulated process and answers on the
 * channels kubectl reads, ending with the Status that carries the exit code.
 */
export function handleExecUpgrade(
  state: ClusterState,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  entry: JournalEntry,
): void {
  let target: ExecTarget;
  let opts: { command: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean };
  try {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = parseApiPath(url.pathname, state.types);
    if (path?.kind !== 'resource' || path.type !== T.pod || path.subresource !== 'exec' || !path.name)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const caller = authenticate(state, req);
    const impersonated = impersonationOf(req);
    if (impersonated && caller) authorizeImpersonation(state, caller, impersonated);
    const acting = impersonated ?? caller;
    if (acting) authorizeImpersonated(state, acting, 'POST', path, new URLSearchParams());
    const q = url.searchParams;
    opts = {
      command: q.getAll('command'),
      stdin: q.get('stdin') === 'true',
      stdout: q.get('stdout') !== 'false',
      stderr: q.get('stderr') === 'true',
      tty: q.get('tty') === 'true',
    };
    if (opts.command.length === 0) throw new ApiError(400, 'BadRequest', 'you must specify at least 1 command');
    target = execTarget(state, path.namespace!, path.name, q.get('container') ?? undefined);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', (e as Error).message);
    entry.status = err.code;
    refuse(socket, err);
    return;
  }
  entry.status = 101;
  wss.handleUpgrade(req, socket, head, (ws) => serve(state, ws, target, opts));
}

function refuse(socket: Duplex, e: ApiError): void {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    code: e.code,
  });
  socket.end(
    `HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function frame(stream: number, text: string): Buffer {
  return Buffer.concat([Buffer.from([stream]), Buffer.from(text, 'utf8')]);
}

function serve(
  state: ClusterState,
  ws: WebSocket,
  target: ExecTarget,
  opts: { command: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
): void {
  let started = false;
  const queued: Array<() => void> = [];
  const afterStart = (write: () => void) => (started ? write() : queued.push(write));
  setTimeout(() => {
    started = true;
    for (const write of queued.splice(0)) write();
  }, PROCESS_START_MS);
  const send = (stream: number, text: string) => afterStart(() => sendNow(stream, text));
  const finish = (code: number) => afterStart(() => finishNow(code));
  const sendNow = (stream: number, text: string) => {
    if (!text || ws.readyState !== ws.OPEN) return;
    if (stream === STDOUT && !opts.stdout) return;
    if (stream === STDERR && !opts.stderr) return;
    ws.send(frame(opts.tty && stream === STDERR ? STDOUT : stream, opts.tty ? text.replace(/\r?\n/g, '\r\n') : text));
  };
  const finishNow = (code: number) => {
    if (ws.readyState !== ws.OPEN) return;
    const status =
      code === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${opts.command.join(' ')}], exit code ${code}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          };
    ws.send(frame(ERROR, JSON.stringify(status)));
    ws.close(1000);
  };
  const run = (stdin: string) => {
    const r = runInContainer(state, target, opts.command, stdin);
    send(STDOUT, r.stdout);
    send(STDERR, r.stderr);
    // A command that would run for ever keeps the stream open until the client goes (Ctrl-C).
    if (!r.blocked) finish(r.code);
  };
  if (opts.stdin && opts.tty) {
    interactiveSession(state, target, opts.command, (text) => send(STDOUT, text), finish, ws);
    return;
  }
  if (!opts.stdin) {
    run('');
    return;
  }
  let input = '';
  ws.on('message', (data: Buffer) => {
    if (data[0] === STDIN) input += data.subarray(1).toString('utf8');
    else if (data[0] === CLOSE && data[1] === STDIN) run(input);
  });
}
