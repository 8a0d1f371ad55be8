import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { childProcessEnv } from '../config/config.ts';
import { ScenarioError } from '../domain/errors.ts';
import type { Scenario } from './scenario.ts';

/**
 * A scenario's `helm:` steps, with the real helm against its sandbox: `helm <verb> <release>
 * [chart/] <args…> --namespace <ns>`. A step's failure is the incident, not an error; helm missing
 * from PATH is one clear error.
 */
export async function runHelmSteps(s: Scenario, kc: KubeConfig): Promise<{ step: string; code: number }[]> {
  if (!s.helm) return [];
  const dir = await mkdtemp(join(tmpdir(), 'claw-scenario-helm-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    const env = {
      PATH: childProcessEnv().PATH ?? '/usr/bin:/bin',
      HOME: dir,
      KUBECONFIG: kubeconfig,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
    const out: { step: string; code: number }[] = [];
    for (const [verb, ...args] of s.helm.steps) {
      const chart = verb === 'install' || verb === 'upgrade' ? [s.chartDir!] : [];
      const argv = [verb!, s.helm.release, ...chart, ...args, '--namespace', s.namespace ?? 'default'];
      out.push({ step: `helm ${verb} ${args.join(' ')}`.trim(), code: await helm(argv, env, s.name) });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function helm(argv: string[], env: Record<string, string>, scenario: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile('helm', argv, { env, timeout: 300_000 }, (err) => {
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'ENOENT') reject(new ScenarioError(`${scenario}: its helm steps need helm on PATH`));
      else resolve(err ? (typeof code === 'number' ? code : 1) : 0);
    }),
  );
}
