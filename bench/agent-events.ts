// The supervisor's CPU per 1,000 coding-agent events: each message Claude Code streams (tool
// calls, tool results, text) turned into run events, ordered, batched, stored in the embedded
// store and fanned out to a sink — what the supervisor does while an agent works. Baseline in the
// same run: parsing the same messages from their JSON lines, the least any consumer must do.
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { createLogger } from '../src/observability/logger.ts';
import { EventPump } from '../src/supervisor/event-pump.ts';
import { createTask } from '../src/tasks/create-task.ts';
import { claudeEvents } from '../src/workers/coding/claude-session.ts';
import { openTestDb } from '../test/helpers/test-db.ts';

const MESSAGES = 1000;

/** A session's stream: a tool call, its result and a line of text, over and over. */
function stream(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const id = `toolu_${i}`;
    const m =
      i % 3 === 0
        ? {
            type: 'assistant',
            message: {
              content: [{ type: 'tool_use', id, name: 'Read', input: { file_path: `/w/clone/src/file-${i}.ts` } }],
            },
          }
        : i % 3 === 1
          ? {
              type: 'user',
              message: {
                content: [
                  {
                    type: 'tool_result',
                    tool_use_id: `toolu_${i - 1}`,
                    content: `${'export const x = 1;\n'.repeat(40)}`,
                  },
                ],
              },
            }
          : {
              type: 'assistant',
              message: { content: [{ type: 'text', text: `Looking at file ${i}: the value is read from config.` }] },
            };
    lines.push(JSON.stringify(m));
  }
  return lines;
}

const cpuMs = (f: () => Promise<void> | void) => async () => {
  const before = process.cpuUsage();
  await f();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
};

export async function agentEventsSection(): Promise<string> {
  const lines = stream();
  const store = await openTestDb('pglite');
  try {
    const { task, run } = await createTask(store.db, {
      kind: 'change',
      source: 'cli',
      requester: 'bench',
      question: 'bench',
      repo: 'demo',
    });
    let delivered = 0;
    const results: { parse: number; supervise: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const parse = await cpuMs(() => {
        for (const l of lines) JSON.parse(l);
      })();
      const supervise = await cpuMs(async () => {
        const pump = new EventPump({
          db: store.db,
          task,
          run,
          sinks: [{ onEvent: () => void delivered++ }],
          logger: createLogger('silent'),
        });
        const seen = { tools: new Map<string, string>(), cwd: '/work/clone' };
        for (const l of lines) for (const e of claudeEvents(JSON.parse(l) as SDKMessage, seen)) pump.push(e);
        await pump.flush();
      })();
      results.push({ parse, supervise });
    }
    const best = results.sort((a, b) => a.supervise - b.supervise)[0]!;
    return `## Supervising a coding agent

CPU the supervisor spends per ${MESSAGES.toLocaleString('en')} messages of a Claude Code session
(a tool call, its result, a line of text, in turn): turning each into run events, ordering,
batching and storing them (embedded PGlite) and handing each to a sink; best of 3
(\`npm run bench -- agent-events\`). The baseline is parsing the same messages' JSON lines.

| measure | value |
|---|---|
| supervising ${MESSAGES.toLocaleString('en')} agent messages | ${best.supervise.toFixed(0)} ms of CPU (${delivered / 3} events delivered per round) |
| parsing their JSON lines alone | ${best.parse.toFixed(1)} ms of CPU |
| ratio | ${(best.supervise / best.parse).toFixed(0)}× the parse |
`;
  } finally {
    await store.close();
  }
}
