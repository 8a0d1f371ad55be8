import { UsageError } from '../../domain/errors.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { QUESTION_OPTIONS, runQuestionTask } from '../question-task.ts';

/**
 * `claw security`: a posture review task (RBAC, Pod Security, NetworkPolicy, Trivy reports) run
 * like any other — audited, its fixes proposals behind the same gate — printed as a ranked report.
 */
export const securityCommand: Command = {
  ...commandInfo('security'),
  async run(argv) {
    const { values, positionals } = parse(argv, { ...QUESTION_OPTIONS, namespace: { type: 'string', short: 'n' } });
    if (positionals.length)
      throw new UsageError(`security takes no question ("${positionals.join(' ')}"): -n NS narrows it to a namespace`);
    const ns = values.namespace;
    return runQuestionTask(`Security posture review of ${ns ? `namespace ${ns}` : 'the cluster'}`, ns, values, {
      kind: 'security',
    });
  },
};
