import { loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import { evaluatePolicy, type PolicyDecision, type PolicyInput } from '../../policy/evaluate.ts';
import { openRuntime } from '../../runtime.ts';
import { getProposal } from '../../store/proposals.ts';
import { getTask } from '../../store/tasks.ts';
import { TOOLS } from '../../tools/registry.ts';
import { cliLogLevel } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

const RISKS = ['low', 'medium', 'high'] as const;

export const policyCommand: Command = {
  ...commandInfo('policy'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      action: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      kind: { type: 'string' },
      name: { type: 'string' },
      cluster: { type: 'string' },
      risk: { type: 'string' },
      pods: { type: 'string' },
      replicas: { type: 'string' },
      label: { type: 'string', multiple: true },
      'backup-age': { type: 'string', multiple: true },
      as: { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const [sub, proposalId] = positionals;
    if (sub !== 'explain')
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'a subcommand is required: explain');
    const config = loadConfig();
    const input = proposalId ? await fromProposal(proposalId) : fromFlags(values, config.osUser);
    if (!input) {
      process.stderr.write(`claw policy: no proposal ${proposalId}\n`);
      return 1;
    }
    const decision = evaluatePolicy(input, config);
    process.stdout.write(values.json ? `${JSON.stringify({ input, ...decision }, null, 2)}\n` : render(decision));
    return 0;
  },
};

function fromFlags(v: Record<string, string | string[] | boolean | undefined>, osUser: string): PolicyInput {
  const str = (k: string) => v[k] as string | undefined;
  if (!str('action')) throw new UsageError('--action (or a PROPOSAL id) is required');
  const actions = TOOLS.filter((t) => t.effect === 'write').map((t) => t.name);
  if (!actions.includes(str('action')!))
    throw new UsageError(`--action ${str('action')}: not an action of the vocabulary (${actions.join(', ')})`);
  const risk = str('risk') ?? 'medium';
  if (!(RISKS as readonly string[]).includes(risk)) throw new UsageError(`--risk must be one of ${RISKS.join(', ')}`);
  const int = (k: string) => {
    const raw = str(k);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new UsageError(`--${k} must be a whole number`);
    return Number(raw);
  };
  const at = str('at') ? new Date(str('at')!) : new Date();
  if (Number.isNaN(at.getTime())) throw new UsageError('--at must be an ISO date-time');
  const labels: Record<string, string> = {};
  for (const l of (v.label as string[] | undefined) ?? []) {
    const i = l.indexOf('=');
    if (i <= 0) throw new UsageError(`--label ${l}: expected KEY=VALUE`);
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  // policy.requireBackup judges backup ages the proposal path reads from the cluster: given here.
  const backups: NonNullable<PolicyInput['backups']> = {};
  for (const b of (v['backup-age'] as string[] | undefined) ?? []) {
    const m = /^([a-z0-9-]+)=(\d+(?:\.\d+)?|none)$/.exec(b);
    if (!m) throw new UsageError(`--backup-age ${b}: expected NAMESPACE=HOURS or NAMESPACE=none`);
    backups[m[1]!] = { ageHours: m[2] === 'none' ? null : Number(m[2]), holdsData: true };
  }
  return {
    ...(Object.keys(backups).length ? { backups } : {}),
    action: str('action')!,
    cluster: str('cluster') ?? 'default',
    target: {
      kind: str('kind') ?? 'Deployment',
      ...(str('namespace') ? { namespace: str('namespace') } : {}),
      name: str('name') ?? '*',
    },
    labels,
    risk: risk as PolicyInput['risk'],
    blastRadius: { pods: int('pods'), replicas: int('replicas') },
    requester: str('as') ?? `cli:${osUser}`,
    at,
  };
}

/** A stored proposal's change, evaluated against today's policy (labels as they were are not stored). */
async function fromProposal(id: string): Promise<PolicyInput | undefined> {
  const rt = await openRuntime(loadConfig(), { logLevel: cliLogLevel() });
  try {
    const p = await getProposal(rt.store.db, id);
    if (!p) return undefined;
    const task = await getTask(rt.store.db, p.task_id);
    return {
      action: p.action,
      cluster: p.cluster,
      target: p.target,
      risk: p.risk,
      blastRadius: p.blast_radius,
      requester: task?.requester ?? '',
      at: new Date(),
    };
  } finally {
    await rt.close();
  }
}

function render(d: PolicyDecision): string {
  const head =
    d.decision === 'deny'
      ? `DENY (${d.rule}): ${d.reason}`
      : `REQUIRE ${d.count} APPROVAL${d.count === 1 ? '' : 'S'} (${d.rule}) from ${d.approvers.join(', ')}${
          d.unsatisfiable ? `\nUNSATISFIABLE: ${d.unsatisfiable}` : ''
        }`;
  return `${head}\n\nrules considered, in order:\n${d.trace.map((t) => `  ${t}`).join('\n')}\n`;
}
