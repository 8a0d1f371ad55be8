import { UsageError } from '../../domain/errors.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { QUESTION_OPTIONS, runQuestionTask } from '../question-task.ts';

/**
 * `claw backup`: "is it backed up, can we restore it?" for a namespace or the cluster — a task the
 * runbooks answer from Velero's objects with no model, proposing a backup where one is missing.
 */
/** The run's lines worth printing: the per-namespace answers and what could not be checked. */
const BACKUP_LINES = /^(Namespace |Not checked)/;

export const backupCommand: Command = {
  ...commandInfo('backup'),
  async run(argv) {
    const { values, positionals } = parse(argv, { ...QUESTION_OPTIONS, namespace: { type: 'string', short: 'n' } });
    if (positionals.length)
      throw new UsageError(`backup takes no question ("${positionals.join(' ')}"): -n NS narrows it to a namespace`);
    const ns = values.namespace;
    return runQuestionTask(
      `Is ${ns ? `namespace ${ns}` : 'every namespace'} backed up, and can it be restored?`,
      ns,
      values,
      { keep: BACKUP_LINES },
    );
  },
};

/** `claw restore NS [--from BACKUP] [--into NS]`: a velero_restore proposal behind the usual gate. */
export const restoreCommand: Command = {
  ...commandInfo('restore'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...QUESTION_OPTIONS,
      from: { type: 'string' },
      into: { type: 'string' },
      resources: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
    });
    const [ns, ...rest] = positionals;
    if (!ns || rest.length)
      throw new UsageError('restore takes one namespace: claw restore NS [--from BACKUP] [--into NS]');
    const names = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
    for (const [flag, v] of [
      ['namespace', ns],
      ['--from', values.from],
      ['--into', values.into],
    ] as const)
      if (v !== undefined && !names.test(v)) throw new UsageError(`${flag} "${v}" is not a Kubernetes name`);
    const resources = values.resources ? `the ${values.resources.split(',').join(', ')} of ` : '';
    const question = `restore ${resources}namespace ${ns}${values.from ? ` from backup ${values.from}` : ''}${values.into ? ` into namespace ${values.into}` : ''}${values.overwrite ? ', overwriting what exists' : ''}`;
    // A restore into another namespace reaches two: the task is not scoped to one.
    return runQuestionTask(question, values.into && values.into !== ns ? undefined : ns, values, {
      keep: BACKUP_LINES,
    });
  },
};
