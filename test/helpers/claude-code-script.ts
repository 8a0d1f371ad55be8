import type { FakeModelServer, ScriptedTurn } from '../fakes/fake-model-server.ts';

/**
 * Scripts the real Claude Code (the Agent SDK's bundled CLI) against the fake Messages API: each
 * request gets the next step, given the agent's clone, which the CLI states in its first request
 * as its working directory. Past the last step it answers in plain text and the turn ends.
 */
export function agentScript(fake: FakeModelServer, steps: ((cwd: string) => ScriptedTurn)[]) {
  let cwd = '';
  let i = 0;
  fake.responder = (body) => {
    const m = /working directory: (\S+?)(?:\\n|\s)/.exec(JSON.stringify(body));
    if (m && !cwd) cwd = m[1]!;
    const step = steps[i++];
    return step ? step(cwd) : { text: 'Nothing more to do.' };
  };
}

/** A tool call the CLI runs itself (Read, Edit, Bash, mcp__clusterclaw__…). */
export const call =
  (name: string, input: Record<string, unknown> | ((cwd: string) => Record<string, unknown>)) =>
  (cwd: string): ScriptedTurn => ({
    toolCalls: [{ name, input: typeof input === 'function' ? input(cwd) : input }],
    stopReason: 'tool_use',
  });

export const readFileStep = (path: string) => call('Read', (cwd) => ({ file_path: `${cwd}/${path}` }));

export const editStep = (path: string, from: string, to: string) =>
  call('Edit', (cwd) => ({ file_path: `${cwd}/${path}`, old_string: from, new_string: to }));

/** The agent's last word for its turn: the SDK's result. */
export const doneStep = (text: string) => (): ScriptedTurn => ({ text });
