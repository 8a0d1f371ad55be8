import { loadConfig } from '../../config/config.ts';
import { ScenarioError, UsageError } from '../../domain/errors.ts';
import { runScenario, type ScenarioResult } from '../../eval/run-scenario.ts';
import { loadScenarios } from '../../eval/scenario.ts';
import { type Command, parse } from '../command.ts';

const COLUMNS = ['category', 'object', 'mentions', 'proposal', 'forbid', 'healthyAfter'] as const;

export const evalCommand: Command = {
  name: 'eval',
  usage: 'eval DIR [--json]',
  summary: 'run every scenario in DIR in a fresh sandbox and print a score table',
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
    if (positionals.length !== 1) throw new UsageError('name one scenario folder');
    let scenarios: Awaited<ReturnType<typeof loadScenarios>>;
    try {
      scenarios = await loadScenarios(positionals[0]!);
    } catch (e) {
      if (e instanceof ScenarioError) throw new UsageError(e.message);
      throw e;
    }
    if (scenarios.length === 0) throw new UsageError(`no scenario folders (with scenario.yaml) in ${positionals[0]}`);
    const config = loadConfig();
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const r = await runScenario(s, config);
      results.push(r);
      if (!values.json)
        process.stderr.write(
          `${r.error ? 'ERROR' : r.checks.every((c) => c.pass) ? 'pass ' : 'FAIL '} ${s.name} (${r.seconds}s)\n`,
        );
    }
    const passed = results.reduce((n, r) => n + r.checks.filter((c) => c.pass).length, 0);
    const total = results.reduce((n, r) => n + r.checks.length, 0);
    const errors = results.filter((r) => r.error).length;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ scenarios: results, total: { passed, checks: total, scenariosPassed: results.filter((r) => !r.error && r.checks.every((c) => c.pass)).length, scenarios: results.length, errors } }, null, 2)}\n`,
      );
    } else
      process.stdout.write(
        `${table(results)}\n\nscore ${passed}/${total} checks; ${results.filter((r) => !r.error && r.checks.every((c) => c.pass)).length}/${results.length} scenarios fully right; ${errors} error(s)\n`,
      );
    // Wrong answers are a score, not a failure; only errors (a scenario that could not run) fail.
    return errors ? 1 : 0;
  },
};

function table(results: ScenarioResult[]): string {
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
