import { z } from 'zod';
import { upgradeStatus } from '../../analyzers/upgrade/upgrade-status.ts';
import { readUpgradeSnapshot } from '../../cluster/upgrade-reader.ts';
import { OutOfScope } from '../../domain/errors.ts';
import { defineReadTool } from '../define-tool.ts';

export const upgradeStatusTool = defineReadTool({
  name: 'upgrade_status',
  description:
    'Where the cluster stands for an upgrade: Kubernetes and kubelet versions, OpenShift ClusterVersion (available and conditional updates, Upgradeable, Failing, Progressing, history), ClusterOperators and MachineConfigPools, Cluster API control planes and node pools; the preflight for a target (APIs it stops serving still in use, version skew, PodDisruptionBudgets that block drains, single-replica workloads) and the steps it takes. Cluster-wide.',
  input: z.object({
    target: z
      .string()
      .regex(/^v?\d+\.\d+(\.\d+)?$/, 'a version such as 1.32, v1.32.3 or 4.17.14')
      .optional()
      .describe('Target version; default: the next Kubernetes minor, or OpenShift’s newest available update'),
  }),
  budget: 40_000,
  narrow: 'pass a target version',
  async run(ctx, input) {
    if (ctx.namespace)
      throw new OutOfScope(
        `an upgrade is cluster-wide: this task is scoped to namespace ${ctx.namespace}; ask without one`,
      );
    return upgradeStatus(await readUpgradeSnapshot(ctx.reader), input.target);
  },
});
