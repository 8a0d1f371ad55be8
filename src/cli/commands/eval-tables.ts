import type { ScenarioResult } from '../../eval/run-scenario.ts';
import type { TaskResult } from '../../eval/run-task.ts';

const COLUMNS = ['category', 'object', 'mentions', 'proposal', 'forbid', 'healthyAfter'] as const;

export function scenarioTable(results: ScenarioResult[]): string {
  const width = Math.max(8, ...results.map((r) => r.name.length));
  const head = `${'scenario'.padEnd(width)}  ${COLUMNS.map((c) => c.padEnd(c.length)).join('  ')}  worker`;
  const rows = results.map((r) => {
    const cells = COLUMNS.map((c) => {
      const check = r.checks.find((x) => x.name === c);
      return (r.error ? 'error' : !check ? '-' : check.pass ? 'ok' : 'WRONG').padEnd(c.length);
    });
    const why = r.error
      ? `  ${r.error}`
      : r.checks
          .filter((c) => !c.pass)
          .map((c) => `  ${c.name}: ${c.detail}`)
          .join('');
    return `${r.name.padEnd(width)}  ${cells.join('  ')}  ${r.worker ?? '-'}${why ? `\n${' '.repeat(width)}${why}` : ''}`;
  });
  return [head, ...rows].join('\n');
}

/** Per task: setup ok, proposals made, approved and executed, verify, answer, worker. */
export function taskTable(results: TaskResult[]): string {
  const width = Math.max(4, ...results.map((r) => r.name.length));
  const cols = ['setup', 'proposals', 'approved', 'executed', 'verify', 'answer'];
  const head = `${'task'.padEnd(width)}  ${cols.join('  ')}  worker`;
  const rows = results.map((r) => {
    if (r.disabled) return `${r.name.padEnd(width)}  disabled`;
    if (r.error) return `${r.name.padEnd(width)}  error  ${r.error}`;
    const cells = [
      r.setup === 'ok' && r.refused.length ? 'ok*' : r.setup === 'failed' ? 'FAIL' : r.setup === 'ok' ? 'ok' : '-',
      String(r.proposals),
      String(r.approved),
      String(r.executed),
      r.verify === 'pass' ? 'pass' : r.verify === 'fail' ? 'FAIL' : '-',
      !r.expected ? '-' : r.missing.length ? 'WRONG' : 'ok',
    ].map((c, i) => c.padEnd(cols[i]!.length));
    const notes = [
      r.refused.length ? `refused during setup: ${r.refused.slice(0, 3).join(', ')}` : '',
      r.missing.length ? `answer lacks: ${r.missing.join(', ')}` : '',
      r.detail ?? '',
    ].filter(Boolean);
    return `${r.name.padEnd(width)}  ${cells.join('  ')}  ${r.worker ?? '-'}${notes.map((n) => `\n${' '.repeat(width)}  ${n}`).join('')}`;
  });
  return [head, ...rows].join('\n');
}
