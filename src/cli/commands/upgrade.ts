import { UsageError } from '../../domain/errors.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { QUESTION_OPTIONS, runQuestionTask } from '../question-task.ts';

const VERSION = /^v?\d+\.\d+(\.\d+)?$/;

/**
 * `claw upgrade`: is the cluster ready for its next upgrade (or `--check --to V`); `--to V`
 * proposes it — OpenShift's update, or with NAME the Cluster API control plane, pool or cluster
 * of that name. Answered by the runbooks, the change behind the usual gate.
 */
export const upgradeCommand: Command = {
  ...commandInfo('upgrade'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...QUESTION_OPTIONS,
      to: { type: 'string' },
      check: { type: 'boolean', default: false },
      replicas: { type: 'string' },
    });
    const [name, ...rest] = positionals;
    if (rest.length) throw new UsageError('upgrade takes at most one name: claw upgrade [NAME] [--to VERSION]');
    if (values.to !== undefined && !VERSION.test(values.to))
      throw new UsageError(`--to "${values.to}" is not a version (1.32, v1.32.3, 4.17.14)`);
    if (name !== undefined && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name))
      throw new UsageError(`"${name}" is not a Kubernetes name`);
    if (values.replicas !== undefined && (!name || !/^\d+$/.test(values.replicas)))
      throw new UsageError('--replicas N scales the node pool NAME: claw upgrade NAME --replicas 5');
    const question = values.replicas
      ? `Scale ${name} to ${values.replicas} machines`
      : values.check || !values.to
        ? `Can we upgrade${name ? ` ${name}` : ' the cluster'}${values.to ? ` to ${values.to}` : ''}? What blocks it?`
        : `Upgrade ${name ?? 'the cluster'} to ${values.to}`;
    return runQuestionTask(question, undefined, values, {
      keep: /^(OpenShift |Kubernetes |Cluster API |Plan: |In progress|Not checked)/,
    });
  },
};
