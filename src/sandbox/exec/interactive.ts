import type { WebSocket } from 'ws';
import type { ClusterState } from '../cluster-state.ts';
import type { Shell } from '../shell/sh-run.ts';
import { type ExecTarget, runInContainer } from './container-exec.ts';

/**
 * `kubectl exec -it POD -- sh`: a terminal session. The terminal is raw, so the shell echoes what
 * is typed and runs each line in one shell in the container (variables, `cd` and files last the
 * session; files persist for the container); `exit` or Ctrl-D ends it with the last status. A
 * command that is not a shell runs once, as without a terminal.
 */
export function interactiveSession(
  state: ClusterState,
  target: ExecTarget,
  command: string[],
  write: (text: string) => void,
  finish: (code: number) => void,
  ws: WebSocket,
): void {
  const shell = /(^|\/)(sh|bash|ash|dash)$/.test(command[0] ?? '');
  if (!shell) {
    const r = runInContainer(state, target, command, '');
    write(r.stdout + r.stderr);
    if (!r.blocked) finish(r.code);
    return;
  }
  const prompt = '# ';
  const session: { shell?: Shell } = {};
  let line = '';
  let status = 0;
  write(prompt);
  ws.on('message', (data: Buffer) => {
    if (data[0] !== 0) return;
    for (const ch of data.subarray(1).toString('utf8')) {
      if (ch === '\r' || ch === '\n') {
        write('\n');
        const text = line.trim();
        line = '';
        if (text === 'exit' || text.startsWith('exit ')) return finish(Number(text.split(/\s+/)[1] ?? status) || 0);
        if (text) {
          const r = runInContainer(state, target, [text], '', session);
          write(r.stdout + r.stderr);
          status = r.code;
        }
        write(prompt);
      } else if (ch === '\x7f' || ch === '\b') {
        if (line) write('\b \b');
        line = line.slice(0, -1);
      } else if (ch === '\x03') {
        line = '';
        write(`^C\n${prompt}`);
      } else if (ch === '\x04') {
        if (!line) return finish(status);
      } else {
        line += ch;
        write(ch);
      }
    }
  });
}
