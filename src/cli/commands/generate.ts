import { parseAllDocuments } from 'yaml';
import { checkManifests } from '../../approvals/manifest-checks.ts';
import { loadKubeConfig } from '../../cluster/kube-config.ts';
import { KubeReader } from '../../cluster/kube-reader.ts';
import { type Config, loadConfig } from '../../config/config.ts';
import { UsageError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import type { BundleValidation } from '../../tools/manifests/validate-bundle.ts';
import { generateManifests } from '../../tools/read/generate-manifests.ts';
import { runReadTool } from '../../tools/run-read-tool.ts';
import { cliIdentity } from '../cli-identity.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { driveOwnRun } from '../drive-own-run.ts';

/**
 * `claw generate "<what>"`: production-ready manifests for a workload, validated against the
 * cluster (server dry-runs, a Pod from each pod template, the production checks) and by policy,
 * printed as YAML (`--json`: the validation too). `--propose` makes them an apply proposal and
 * `--repo NAME` a Git change through that repository's CI gate, as a `generate` task.
 */
export const generateCommand: Command = {
  ...commandInfo('generate'),
  async run(argv) {
    const { values, positionals } = parse(argv, {
      namespace: { type: 'string', short: 'n' },
      context: { type: 'string' },
      propose: { type: 'boolean', default: false },
      repo: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
    });
    const what = positionals.join(' ').trim();
    if (!what)
      throw new UsageError(
        'say what to run, like: claw generate "payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080"',
      );
    const config = loadConfig();
    if (values.repo && !config.repos[values.repo])
      throw new UsageError(
        `no repository "${values.repo}" in claw.yaml repos: ${Object.keys(config.repos).join(', ') || 'none are configured'}`,
      );
    if (values.propose || values.repo) return deliver(config, values, what);
    const kc = loadKubeConfig({ kubeconfig: config.kubeconfig, context: values.context });
    const reader = new KubeReader(kc);
    const out = await runReadTool(
      generateManifests,
      { reader, now: () => new Date() },
      { request: what, ...(values.namespace ? { namespace: values.namespace } : {}) },
    );
    const v = out.data as BundleValidation;
    const objects = parseAllDocuments(v.manifest).map((d) => d.toJS() as KubeObject);
    const policy = await checkManifests(reader, config, objects, 'cli');
    const ok = v.ok && !policy.refused;
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ ...v, ok, policy: { lines: policy.lines, refused: policy.refused, approvals: policy.approvals } }, null, 2)}\n`,
      );
    else {
      process.stdout.write(v.manifest);
      const failed = [
        ...v.dryRun.filter((d) => !d.ok).map((d) => `${d.object}: ${d.detail}`),
        ...v.checks.filter((c) => !c.ok).map((c) => `${c.object}: ${c.id}: ${c.detail}`),
      ];
      const said = ok
        ? `validated on ${reader.cluster}: ${v.dryRun.length} server dry-runs accepted, ${v.checks.length} production checks pass; policy: ${policy.approvals.count} approval(s) (${policy.approvals.rule}); propose it with --propose`
        : `NOT valid on ${reader.cluster}: ${[...failed, ...(policy.refused ? [`policy: ${policy.refused.reason}`] : [])].join('; ')}`;
      process.stderr.write(`${said}\n`);
    }
    return ok ? 0 : 1;
  },
};

async function deliver(
  config: Config,
  values: { namespace?: string; context?: string; repo?: string; as?: string; json: boolean; verbose: boolean },
  what: string,
): Promise<number> {
  const rt = await runtimeForCli(config, { verbose: values.verbose });
  try {
    const cluster = values.context ?? (values.repo ? config.repos[values.repo]!.cluster : undefined) ?? 'default';
    rt.kubeConfigFor(cluster);
    const me = await cliIdentity(rt, config, { as: values.as });
    const { run } = await createTask(rt.store.db, {
      kind: 'generate',
      source: 'cli',
      requester: me.actor,
      question: what,
      namespace: values.namespace,
      cluster,
      ...(values.repo ? { repo: values.repo } : {}),
      timeoutSeconds: config.runs.timeoutSeconds,
    });
    const done = await driveOwnRun(rt, run.id, me.actor);
    const report = await buildReport(rt.store.db, done.id);
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const lines = [done.summary ?? done.status];
      for (const p of report.proposals.filter((x) => x.status === 'pending'))
        lines.push(`proposal ${p.id}: ${p.summary} (approve: claw approve ${p.id})`);
      lines.push(`run ${done.id}: ${done.status}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return done.status === 'failed' || done.status === 'cancelled' ? 1 : 0;
  } finally {
    await rt.close();
  }
}
