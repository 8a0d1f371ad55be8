import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { refLabel } from '../../lib/kube-object.ts';
import { openRuntime } from '../../runtime.ts';
import { listRunEvents } from '../../store/run-events.ts';
import { getRun, listRuns } from '../../store/runs.ts';
import { getTask } from '../../store/tasks.ts';
import { cancelAsked } from '../../tasks/cancel-run.ts';
import { buildReport } from '../../tasks/report.ts';
import { cliIdentity } from '../cli-identity.ts';
import { cliLogLevel } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { renderEvent } from '../terminal-sink.ts';

export const runsCommand: Command = {
  ...commandInfo('runs'),
  async run(argv) {
    const { values } = parse(argv, { json: { type: 'boolean', default: false } }, false);
    const rt = await openRuntime(loadConfig(), { logLevel: cliLogLevel() });
    try {
      const runs = await listRuns(rt.store.db);
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify(
            runs.map((r) => ({
              id: r.id,
              taskId: r.task_id,
              status: r.status,
              worker: r.worker,
              createdAt: r.created_at,
              summary: r.summary,
            })),
            null,
            2,
          )}\n`,
        );
        return 0;
      }
      if (runs.length === 0) process.stdout.write('no runs yet\n');
      for (const r of runs)
        process.stdout.write(
          `${r.id}  ${r.status.padEnd(17)}  ${new Date(r.created_at).toISOString()}  ${(r.summary ?? '').slice(0, 100)}\n`,
        );
      const waiting = runs.filter((r) => r.status === 'queued').length;
      if (waiting)
        process.stdout.write(
          `\n${waiting} run${waiting === 1 ? '' : 's'} queued: ${
            rt.store.kind === 'pglite'
              ? 'nothing runs them on this embedded store until you do:'
              : 'a `claw serve` replica takes them; or'
          } \`claw resume RUN\` drives one here, \`claw cancel RUN\` cancels it.\n`,
        );
      return 0;
    } finally {
      await rt.close();
    }
  },
};

export const showCommand: Command = {
  ...commandInfo('show'),
  async run(argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean', default: false } });
    const id = positionals[0];
    if (!id) throw new UsageError('RUN is required');
    const rt = await openRuntime(loadConfig(), { logLevel: cliLogLevel() });
    try {
      const run = await getRun(rt.store.db, id);
      if (!run) {
        process.stderr.write(`claw show: no run ${id}\n`);
        return 1;
      }
      const report = await buildReport(rt.store.db, id);
      const events = await listRunEvents(rt.store.db, id);
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ ...report, events: events.map((e) => ({ seq: e.seq, type: e.type, data: e.data, at: e.created_at })) }, null, 2)}\n`,
        );
        return 0;
      }
      const task = await getTask(rt.store.db, run.task_id);
      process.stdout.write(
        `run ${run.id} (${run.status}, worker ${run.worker ?? '-'}, attempt ${run.attempt}, ${run.steps} steps, ${run.input_tokens}+${run.output_tokens} tokens, $${Number(run.cost_usd).toFixed(4)})\ntask ${task?.id}: ${task?.kind} "${task?.question}" by ${task?.requester}\n`,
      );
      for (const h of run.history)
        process.stdout.write(
          `  ${h.at} attempt ${h.attempt} ${h.worker}: ${h.outcome}${h.reason ? ` (${h.reason})` : ''}\n`,
        );
      process.stdout.write('\n');
      for (const e of events) {
        const line = renderEvent({ seq: e.seq, type: e.type, data: e.data }, true);
        if (line) process.stdout.write(`${line}\n`);
      }
      for (const p of report.proposals) {
        const approved = p.approvals.approvedBy.length ? `, approved by ${p.approvals.approvedBy.join(' and ')}` : '';
        process.stdout.write(
          `\nproposal ${p.id}: ${p.action} ${refLabel(p.target)} [${p.status}, risk ${p.risk}, expires ${p.expiresAt}]\n${p.summary}\n`,
        );
        if (p.status === 'refused') {
          process.stdout.write(
            `refused before approval by ${p.approvals.rule}: ${p.outcome && 'refused' in p.outcome ? p.outcome.refused.reason : ''}\n`,
          );
          continue;
        }
        for (const w of p.warnings) process.stdout.write(`warning: ${w}\n`);
        process.stdout.write(
          `blast radius: ${p.blastRadius}\napprovals: ${p.approvals.required} required (rule ${p.approvals.rule})${approved}\n${p.rollback ? `to undo: ${p.rollback}\n` : ''}artifact ${p.artifactHash}\n`,
        );
        process.stdout.write(
          `whole change (the request the executor sends):\n${p.request}\nserver dry-run diff:\n${p.dryRun.diff}\n`,
        );
      }
      return 0;
    } finally {
      await rt.close();
    }
  },
};

export const cancelCommand: Command = {
  ...commandInfo('cancel'),
  async run(argv) {
    const { values, positionals } = parse(argv, { as: { type: 'string' } });
    const id = positionals[0];
    if (!id) throw new UsageError('RUN is required');
    const config = loadConfig();
    const rt = await openRuntime(config, { logLevel: cliLogLevel() });
    try {
      const me = await cliIdentity(rt, config, { as: values.as });
      const { result, message } = await cancelAsked({ db: rt.store.db, config }, id, me.actor);
      if (result === 'refused') {
        process.stderr.write(`claw cancel: refused: ${message!.replace(/`/g, '')}\n`);
        return 1;
      }
      const line = {
        cancelled: `cancelled ${id}`,
        requested: `asked the supervisor running ${id} to stop it`,
        finished: `${id} has already finished; nothing to cancel`,
        unknown: `no run ${id}`,
      }[result];
      process[result === 'cancelled' || result === 'requested' ? 'stdout' : 'stderr'].write(`${line}\n`);
      return result === 'cancelled' || result === 'requested' ? 0 : 1;
    } finally {
      await rt.close();
    }
  },
};
