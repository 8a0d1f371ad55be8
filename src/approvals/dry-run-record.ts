import { stringify } from 'yaml';
import type { DryRunRecord } from '../domain/proposal.ts';
import type { WriteRequest } from '../domain/write-request.ts';
import { describeStep, stepsOf } from '../domain/write-request.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { unifiedDiff } from '../lib/line-diff.ts';
import { changeView, contentView } from './artifact.ts';

export function dryRunRecord(objects: (KubeObject | null)[]): DryRunRecord {
  return {
    ok: true,
    results: objects.map((o) =>
      o
        ? {
            object: o.kind === 'Scale' ? { spec: o.spec ?? {} } : contentView(o),
            ...(o.metadata?.generation !== undefined ? { generation: o.metadata.generation } : {}),
          }
        : { gone: true },
    ),
  };
}

/** The part of a dry-run the artifact hash covers (generation excluded: it is not the change). */
export function dryRunDigest(record: DryRunRecord): unknown {
  const results = record.results.map((r) => ('gone' in r ? { gone: true } : { object: r.object }));
  // A git_change's gate result counts as much as a dry-run: CI's verdict and log, the manifests' checks.
  return record.ci ? { results, ci: record.ci, manifests: record.manifests ?? null } : results;
}

/**
 * The reviewer's diff: live → what the server's dry-run would store for the primary object, then
 * the further steps of a sequence (evictions of a drain) one per line.
 */
export function changeDiff(live: KubeObject, objects: (KubeObject | null)[], request: WriteRequest): string {
  const first = objects[0];
  const label = `${live.kind}/${live.metadata.name}`;
  const before = stringify(changeView(live)).trimEnd();
  const primary =
    first === null
      ? unifiedDiff(before, '', 3, [`${label} (live)`, `${label} (deleted by the server, dry-run)`])
      : unifiedDiff(
          before,
          stringify(
            changeView(
              first?.kind === 'Scale' ? { ...live, spec: { ...live.spec, replicas: first.spec?.replicas } } : first,
            ),
          ).trimEnd(),
          3,
          [`${label} (live)`, `${label} (after, server dry-run)`],
        );
  const rest = stepsOf(request)
    .slice(1)
    .map((s) => `# then ${describeStep(s)}: dry-run accepted`);
  return [primary, ...rest].filter(Boolean).join('\n');
}
