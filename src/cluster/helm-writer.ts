import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { HelmRollbackRequest } from '../domain/helm-rollback.ts';
import type { KubeIdentity } from './impersonate.ts';
import { redactText } from './redact.ts';

/**
 * Runs `helm rollback` with the real helm against the proposal's cluster: the executor's only
 * way to change a Helm release (approvals/execute-helm-rollback.ts loads this, nothing else).
 * The kubeconfig is written to a private temporary directory and removed afterwards; with an
 * identity, helm impersonates it (`--kube-as-user`/`--kube-as-group`) so the cluster's RBAC judges
 * the approver. Helm's own settings never leak from the environment: it gets only `path` (the
 * executor's PATH) and keeps its cache, config and data in the same temporary directory.
 */
export async function helmRollback(
  kc: KubeConfig,
  req: HelmRollbackRequest,
  opts: { helm?: string; path?: string; as?: KubeIdentity; timeoutMs?: number },
): Promise<{ code: number; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-helm-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    const args = [
      'rollback',
      req.release,
      String(req.revision),
      '--namespace',
      req.namespace,
      '--kubeconfig',
      kubeconfig,
    ];
    if (opts.as) {
      args.push('--kube-as-user', opts.as.user);
      for (const g of opts.as.groups) args.push('--kube-as-group', g);
    }
    const env = {
      PATH: opts.path ?? '/usr/bin:/bin',
      HOME: dir,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
    return await new Promise((resolve) =>
      execFile(
        opts.helm ?? 'helm',
        args,
        { env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = (err as { code?: unknown } | null)?.code;
          if (code === 'ENOENT') resolve({ code: 127, out: `${opts.helm ?? 'helm'} is not installed (not on PATH)` });
          else
            resolve({
              code: err ? (typeof code === 'number' ? code : 1) : 0,
              out: redactText(`${stdout}${stderr}`.trim()),
            });
        },
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
