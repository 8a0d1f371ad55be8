import { userInfo } from 'node:os';
import { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import { IdentityRefused, UsageError } from '../domain/errors.ts';
import type { Runtime } from '../runtime.ts';

/** Who is at the terminal, and how ClusterClaw knows: what decisions, requests and cancels record. */
export interface CliIdentity {
  /** The approver id (Slack user) or requester the CLI acts as. */
  actor: string;
  /** For the audit trail: the terminal's OS user, the Kubernetes identity the server vouched for, and whether `--as` named the actor. */
  via: { surface: 'cli'; osUser: string; kubernetesUser?: string; cliAs?: boolean };
}

/**
 * On the embedded store (one local user) the CLI is whoever `--as` names, or `cli:<OS user>`. On a
 * shared store (DATABASE_URL) anyone who can run the CLI could name anyone, so the CLI is its
 * kubeconfig's Kubernetes identity as the API server reports it (SelfSubjectReview), mapped to an
 * approver by approvals.identities read in reverse; unmapped, a requester is `k8s:<user>`, never an
 * approver. `--as` is refused there unless approvals.cliAs (a deliberate single-operator opt-in,
 * audited as such). `needApprover`: deciding needs a mapped approver.
 */
export async function cliIdentity(
  rt: Runtime,
  config: Config,
  opts: { as?: string; needApprover?: boolean },
): Promise<CliIdentity> {
  const osUser = currentOsUser();
  if (!config.databaseUrl) {
    if (opts.needApprover && !opts.as)
      throw new UsageError('--as USER is required (the Slack user ID of the approver)');
    return { actor: opts.as ?? `cli:${config.osUser}`, via: { surface: 'cli', osUser } };
  }
  if (opts.as) {
    if (!config.approvals.cliAs)
      throw new IdentityRefused(
        "--as is refused on a shared store (DATABASE_URL): the CLI acts as its kubeconfig's Kubernetes identity, mapped to an approver by approvals.identities. Set approvals.cliAs: true in claw.yaml only for a single-operator setup",
      );
    return { actor: opts.as, via: { surface: 'cli', osUser, cliAs: true } };
  }
  let who: { username: string };
  try {
    who = await new KubeReader(rt.kubeConfigFor('default')).whoAmI();
  } catch (e) {
    throw new IdentityRefused(
      `cannot tell who you are: the API server did not answer a SelfSubjectReview through your kubeconfig (${(e as Error).message})`,
    );
  }
  const approver = Object.entries(config.approvals.identities).find(([, id]) => id.user === who.username)?.[0];
  if (opts.needApprover && !approver)
    throw new IdentityRefused(
      `Kubernetes user "${who.username}" is not mapped to an approver: add them under approvals.identities in claw.yaml`,
    );
  return { actor: approver ?? `k8s:${who.username}`, via: { surface: 'cli', osUser, kubernetesUser: who.username } };
}

/** Who is at the terminal (a container's uid may have no passwd entry). */
function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? '?'}`;
  }
}
