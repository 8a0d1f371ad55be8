import { UsageError } from '../../domain/errors.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { QUESTION_OPTIONS, runQuestionTask } from '../question-task.ts';

/**
 * `claw maintain NODE…`: a node maintenance plan — cordon, drain, the change, uncordon, one node
 * at a time — proposed once for approval, then run and verified step by step by the executor.
 */
export const maintainCommand: Command = {
  ...commandInfo('maintain'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...QUESTION_OPTIONS,
      kubelet: { type: 'string' },
      label: { type: 'string' },
    });
    if (!positionals.length) throw new UsageError('maintain needs the nodes, in order: claw maintain NODE [NODE…]');
    for (const n of positionals)
      if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(n)) throw new UsageError(`"${n}" is not a node name`);
    if (values.kubelet !== undefined && !/^v\d+\.\d+\.\d+$/.test(values.kubelet))
      throw new UsageError(`--kubelet "${values.kubelet}" is not a kubelet version like v1.32.3`);
    if (values.label !== undefined && !/^[a-z0-9./-]+=[a-z0-9._-]*$/i.test(values.label))
      throw new UsageError(`--label "${values.label}" is not KEY=VALUE`);
    if (values.kubelet && values.label) throw new UsageError('give --kubelet or --label, not both');
    const change = values.kubelet
      ? `, waiting for kubelet ${values.kubelet} on each`
      : values.label
        ? `, labelled ${values.label}`
        : '';
    return runQuestionTask(`Maintain nodes ${positionals.join(' ')} one at a time${change}`, undefined, values, {
      keep: /^(Planning|Not checked)/,
    });
  },
};
