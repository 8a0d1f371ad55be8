import type { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import { reconcilingOwnerMark } from '../domain/gitops-owner.ts';
import { stepsOf, type WriteRequest } from '../domain/write-request.ts';
import { refLabel } from '../lib/kube-object.ts';
import { evaluatePolicy, type PolicyDecision, type PolicyInput } from '../policy/evaluate.ts';

/**
 * Policy for a request that applies several objects (a workload bundle): each object is judged as
 * the change it is — its kind, namespace, name and live labels — not only the first, so a rule
 * denying RBAC or a namespace cannot be walked past by putting that object second. The strictest
 * decision stands: any denial, else the most approvals asked.
 */
export async function objectJudgements(
  reader: KubeReader,
  judged: PolicyInput,
  request: WriteRequest,
): Promise<{ inputs: PolicyInput[]; ownedBy?: string }> {
  const others = stepsOf(request)
    .slice(1)
    .filter((s) => s.verb === 'patch' && s.patchType === 'apply');
  const inputs = [judged];
  for (const s of others) {
    const live = await reader.find(s);
    const owner = live ? reconcilingOwnerMark(live.metadata) : undefined;
    if (owner) return { inputs, ownedBy: `${refLabel(s)} is applied by ${owner} from Git` };
    inputs.push({
      ...judged,
      target: { kind: s.kind, ...(s.namespace ? { namespace: s.namespace } : {}), name: s.name },
      labels: live?.metadata.labels,
    });
  }
  return { inputs };
}

export function strictestPolicy(inputs: PolicyInput[], config: Config, risk: PolicyInput['risk']): PolicyDecision {
  let out: PolicyDecision | undefined;
  for (const input of inputs) {
    const d = evaluatePolicy({ ...input, risk }, config);
    if (d.decision === 'deny') return d;
    if (!out || (out.decision === 'require_approval' && d.count > out.count)) out = d;
  }
  return out!;
}
