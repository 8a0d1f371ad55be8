import { loadConfig } from '../config/config.ts';
import type { Finding } from '../domain/findings.ts';
import { listRunEvents } from '../store/run-events.ts';
import { createTask } from '../tasks/create-task.ts';
import { buildReport } from '../tasks/report.ts';
import { cliIdentity } from './cli-identity.ts';
import { runtimeForCli } from './cli-runtime.ts';
import { driveOwnRun } from './drive-own-run.ts';

export const QUESTION_OPTIONS = {
  context: { type: 'string' },
  as: { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
} as const;

/**
 * A question the runbooks answer without a model (`claw backup`, `claw restore`, `claw upgrade`,
 * `claw maintain`; `claw security` as a security task): a task driven here, printed as its summary, the run's steps that `keep` matches,
 * the findings ranked, and the pending proposals; or as the `--json` report.
 */
export async function runQuestionTask(
  question: string,
  namespace: string | undefined,
  values: { context?: string; as?: string; json?: boolean; verbose?: boolean },
  opts: { keep?: RegExp; kind?: 'investigate' | 'security' },
): Promise<number> {
  const config = loadConfig();
  const rt = await runtimeForCli(config, { verbose: values.verbose });
  try {
    rt.kubeConfigFor(values.context ?? 'default');
    const me = await cliIdentity(rt, config, { as: values.as });
    const { run } = await createTask(rt.store.db, {
      kind: opts.kind ?? 'investigate',
      source: 'cli',
      requester: me.actor,
      question,
      namespace,
      cluster: values.context ?? 'default',
      timeoutSeconds: config.runs.timeoutSeconds,
    });
    const done = await driveOwnRun(rt, run.id, me.actor);
    const report = await buildReport(rt.store.db, done.id);
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const steps = (await listRunEvents(rt.store.db, done.id))
        .filter((e) => e.type === 'step')
        .map((e) => String((e.data as { message?: unknown }).message));
      const lines = [
        done.summary ?? done.status,
        '',
        ...steps.filter((m) => opts.keep?.test(m)),
        ...report.findings.flatMap(findingLines),
      ];
      for (const p of report.proposals.filter((x) => x.status === 'pending'))
        lines.push('', `proposal ${p.id}: ${p.summary} (approve: claw approve ${p.id})`);
      lines.push(`run ${done.id}: ${done.status}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
  } finally {
    await rt.close();
  }
}

function findingLines(f: Finding): string[] {
  const where = `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
  return [
    `${(f.severity ?? '').toUpperCase().padEnd(8)} ${f.category.padEnd(22)} ${where}`,
    `         ${f.summary}`,
    ...f.evidence.slice(0, 3).map((e) => `           – ${e}`),
  ];
}
