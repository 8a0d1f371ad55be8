import { refLabel } from '../lib/kube-object.ts';
import type { InvestigationReport } from '../tasks/report.ts';
import type { Scenario } from './scenario.ts';

export interface Check {
  name: 'category' | 'object' | 'mentions' | 'proposal' | 'forbid' | 'healthyAfter';
  pass: boolean;
  detail: string;
}

const same = (
  a: { kind: string; namespace?: string; name: string } | undefined,
  b: { kind: string; namespace?: string; name: string },
) =>
  a !== undefined &&
  a.kind === b.kind &&
  // A name ending in `*` matches a prefix: objects ClusterClaw names with a timestamp (payments-claw-*).
  (b.name.endsWith('*') ? a.name.startsWith(b.name.slice(0, -1)) : a.name === b.name) &&
  (a.namespace ?? '') === (b.namespace ?? '');
const show = (o: { kind: string; namespace?: string; name: string } | undefined) => (o ? refLabel(o) : 'none');

/** Scores one report against a scenario's expectations (healthyAfter is checked by the runner). */
export function score(s: Scenario, report: InvestigationReport): Check[] {
  const top = report.findings[0];
  const checks: Check[] = [
    {
      name: 'category',
      pass: top?.category === s.expect.category,
      detail: `got ${top?.category ?? 'none'}, want ${s.expect.category}`,
    },
  ];
  if (s.expect.object)
    checks.push({
      name: 'object',
      pass: same(top?.object, s.expect.object),
      detail: `got ${show(top?.object)}, want ${show(s.expect.object)}`,
    });
  if (s.expect.mentions.length) {
    const text = [report.run.summary ?? '', ...report.findings.flatMap((f) => [f.summary, ...f.evidence])]
      .join('\n')
      .toLowerCase();
    const missing = s.expect.mentions.filter((m) => !text.includes(m.toLowerCase()));
    checks.push({
      name: 'mentions',
      pass: missing.length === 0,
      detail: missing.length ? `missing: ${missing.join(', ')}` : `all ${s.expect.mentions.length} present`,
    });
  }
  const proposal = report.proposals[0];
  if (s.expect.proposal === 'none')
    checks.push({
      name: 'proposal',
      pass: !proposal,
      detail: proposal ? `unexpected ${proposal.action} on ${show(proposal.target)}` : 'none, as expected',
    });
  else if (s.expect.proposal) {
    const want = s.expect.proposal;
    checks.push({
      name: 'proposal',
      pass: proposal?.action === want.action && same(proposal.target, want.target),
      detail: `got ${proposal ? `${proposal.action} on ${show(proposal.target)}` : 'none'}, want ${want.action} on ${show(want.target)}`,
    });
  }
  if (s.expect.forbid.length) {
    const used = report.proposals.filter((p) => s.expect.forbid.includes(p.action)).map((p) => p.action);
    checks.push({
      name: 'forbid',
      pass: used.length === 0,
      detail: used.length ? `proposed forbidden ${used.join(', ')}` : 'no forbidden action',
    });
  }
  return checks;
}
