import { loadConfig } from '../../config/config.ts';
import { ScenarioError, UsageError } from '../../domain/errors.ts';
import { runScenario, type ScenarioResult } from '../../eval/run-scenario.ts';
import { runTask, type TaskResult } from '../../eval/run-task.ts';
import { loadScenarios, type Scenario } from '../../eval/scenario.ts';
import { loadTasks, type Task } from '../../eval/task.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { scenarioTable, taskTable } from './eval-tables.ts';

export const evalCommand: Command = {
  ...commandInfo('eval'),
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
    if (positionals.length !== 1) throw new UsageError('name one scenario folder');
    const dir = positionals[0]!;
    let scenarios: Scenario[];
    let tasks: Task[];
    try {
      scenarios = await loadScenarios(dir);
      tasks = await loadTasks(dir);
    } catch (e) {
      if (e instanceof ScenarioError) throw new UsageError(e.message);
      throw e;
    }
    if (scenarios.length === 0 && tasks.length === 0)
      throw new UsageError(`no scenario folders (with scenario.yaml) or task folders (with task.yaml) in ${dir}`);
    const config = loadConfig();
    const progress = (line: string) => {
      if (!values.json) process.stderr.write(`${line}\n`);
    };
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const r = await runScenario(s, config);
      results.push(r);
      progress(`${r.error ? 'ERROR' : r.checks.every((c) => c.pass) ? 'pass ' : 'FAIL '} ${s.name} (${r.seconds}s)`);
    }
    const taskResults: TaskResult[] = [];
    for (const t of tasks) {
      const r = await runTask(t, config);
      taskResults.push(r);
      progress(
        `${r.disabled ? 'skip ' : r.error ? 'ERROR' : taskPassed(r) ? 'pass ' : 'FAIL '} ${t.name} (${r.seconds}s)`,
      );
    }
    const passed = results.reduce((n, r) => n + r.checks.filter((c) => c.pass).length, 0);
    const total = results.reduce((n, r) => n + r.checks.length, 0);
    const scenariosPassed = results.filter((r) => !r.error && r.checks.every((c) => c.pass)).length;
    const ran = taskResults.filter((r) => !r.disabled);
    const tasksPassed = ran.filter(taskPassed).length;
    const errors = results.filter((r) => r.error).length + ran.filter((r) => r.error).length;
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            scenarios: results,
            tasks: taskResults,
            total: {
              passed,
              checks: total,
              scenariosPassed,
              scenarios: results.length,
              tasksPassed,
              tasks: ran.length,
              errors,
            },
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const parts: string[] = [];
      if (results.length) parts.push(`${scenarioTable(results)}\n`);
      if (taskResults.length) parts.push(`${taskTable(taskResults)}\n`);
      const summary: string[] = [];
      if (results.length)
        summary.push(`score ${passed}/${total} checks; ${scenariosPassed}/${results.length} scenarios fully right`);
      if (taskResults.length)
        summary.push(
          `${tasksPassed}/${ran.length} tasks passed${ran.length < taskResults.length ? ` (${taskResults.length - ran.length} disabled)` : ''}`,
        );
      process.stdout.write(`${parts.join('\n')}\n${summary.join('; ')}; ${errors} error(s)\n`);
    }
    // Wrong answers are a score, not a failure; only errors (a scenario or task that could not run) fail.
    return errors ? 1 : 0;
  },
};

/** A task passes when setup worked, the verifier passed (if any) and the answer has every expected string. */
export function taskPassed(r: TaskResult): boolean {
  return !r.error && r.setup !== 'failed' && r.verify !== 'fail' && r.missing.length === 0;
}
