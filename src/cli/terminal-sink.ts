import type { PersistedEvent, RunSink } from '../supervisor/run-sink.ts';

const tty = process.stderr.isTTY;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const style = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  cyan: paint('36'),
};

/** Renders run progress on stderr for `claw investigate` and `claw demo`. */
export function terminalSink(out: NodeJS.WritableStream = process.stderr, verbose = false): RunSink {
  return {
    onEvent(_task, _run, e: PersistedEvent) {
      const line = renderEvent(e, verbose);
      if (line) out.write(`${line}\n`);
    },
  };
}

export function renderEvent(e: PersistedEvent, verbose = false): string | undefined {
  const d = e.data;
  switch (e.type) {
    case 'step':
      return `${style.cyan('▸')} ${d.message}`;
    case 'tool_call':
      return verbose ? style.dim(`  · ${d.tool} ${JSON.stringify(d.input)}`) : undefined;
    case 'tool_result':
      return style.dim(`  · ${d.tool}: ${d.ok ? d.summary : `error: ${d.summary}`}`);
    case 'finding':
      return [
        `${style.yellow('◆')} ${style.bold(`[${d.category}${d.severity ? ` ${d.severity}` : ''}]`)} ${d.summary}`,
        ...(d.evidence as string[]).map((x) => style.dim(`    – ${x}`)),
      ].join('\n');
    case 'proposal':
      return `${style.yellow('⚑')} proposal ${style.bold(d.proposalId)}: ${d.summary} ${style.dim('(awaiting approval)')}`;
    case 'decision':
      return `${style.cyan('▸')} ${d.message}`;
    case 'execution':
      return `${d.verified ? style.green('✔') : style.red('✖')} ${d.applied ? 'applied' : 'not applied'}: ${d.message}`;
    case 'error':
      return `${style.red('✖')} ${d.message}`;
    case 'final':
      return `${d.status === 'succeeded' ? style.green('■') : style.red('■')} ${style.bold(d.status)}: ${d.summary}`;
    default:
      return undefined;
  }
}
