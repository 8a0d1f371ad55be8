import { describeKubeError } from '../cluster/api-error.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { redactText } from '../cluster/redact.ts';
import type { Config } from '../config/config.ts';
import type { WriteRequest } from '../domain/write-request.ts';
import { clone, type KubeObject, refLabel } from '../lib/kube-object.ts';
import { evaluatePolicy } from '../policy/evaluate.ts';
import { absent } from './artifact.ts';
import { changeDiff } from './dry-run-record.ts';

/** What a change's rendered manifests would do to the cluster they deploy to, object by object. */
export interface ManifestChecks {
  /** One line per object: `Deployment shop/cart: changes (dry-run ok)`, or why it would not apply. */
  lines: string[];
  /** Each changed object's diff against live, as the server's dry-run would store it. */
  diff: string;
  /** A rule denying one of the objects, or an object the server refuses: the change is refused. */
  refused?: { rule: string; reason: string };
  /** The most approvals any object's policy asks for, and from whom. */
  approvals: { count: number; approvers: readonly string[]; rule: string };
}

const SECRET_KINDS = new Set(['Secret']);

/**
 * Server-side dry-runs of every rendered object (an apply, as a GitOps controller would make it)
 * against the repository's cluster, each diffed against live, each judged by policy as the
 * `apply_manifest` it amounts to. Secrets are never shown: only that one would change.
 */
export async function checkManifests(
  reader: KubeReader,
  config: Config,
  objects: KubeObject[],
  requester: string,
): Promise<ManifestChecks> {
  const out: ManifestChecks = { lines: [], diff: '', approvals: { count: 1, approvers: [], rule: 'default' } };
  const diffs: string[] = [];
  for (const input of objects) {
    const obj = clone(input);
    delete obj.status;
    const namespaced = await reader.isNamespaced(obj.apiVersion, obj.kind);
    if (namespaced === undefined) {
      out.refused ??= { rule: 'manifests', reason: `the cluster does not serve ${obj.kind} in ${obj.apiVersion}` };
      out.lines.push(`${obj.kind} ${obj.metadata?.name}: not served by the cluster`);
      continue;
    }
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: namespaced ? (obj.metadata.namespace ?? reader.defaultNamespace) : undefined,
      name: obj.metadata.name,
    };
    if (ref.namespace) obj.metadata.namespace = ref.namespace;
    const where = refLabel(ref);
    const live = await reader.find(ref);
    const decided = evaluatePolicy(
      {
        action: 'apply_manifest',
        cluster: reader.cluster,
        target: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
        labels: live?.metadata.labels,
        risk: live ? 'high' : 'medium',
        requester,
        at: new Date(),
      },
      config,
    );
    if (decided.decision === 'deny') {
      out.refused ??= { rule: decided.rule, reason: `${where}: ${decided.reason} (${decided.rule})` };
      out.lines.push(`${where}: denied by policy (${decided.rule})`);
      continue;
    }
    if (decided.count > out.approvals.count)
      out.approvals = { count: decided.count, approvers: decided.approvers, rule: decided.rule };
    const request: WriteRequest = { ...ref, verb: 'patch', patchType: 'apply', body: obj };
    try {
      const result = await reader.dryRun(request);
      const diff = changeDiff(live ?? absent(ref), result, request);
      const changed = /^[+-](?![+-])/m.test(diff);
      out.lines.push(`${where}: ${live ? (changed ? 'changes' : 'unchanged') : 'created'} (dry-run ok)`);
      if (changed || !live)
        diffs.push(SECRET_KINDS.has(ref.kind) ? `${where}: a Secret would change (values not shown)` : diff);
    } catch (e) {
      const reason = `${where}: the server rejected it in a dry-run: ${describeKubeError(e)}`;
      out.refused ??= { rule: 'manifests', reason };
      out.lines.push(reason);
    }
  }
  out.diff = redactText(diffs.join('\n'));
  return out;
}
