export type ClawCommand =
  | { kind: 'help' }
  | { kind: 'investigate'; question: string; namespace?: string; cluster?: string }
  | { kind: 'change'; repo: string; question: string }
  | { kind: 'security'; namespace?: string; cluster?: string }
  | { kind: 'generate'; question: string; namespace?: string; cluster?: string }
  | { kind: 'runs' }
  | { kind: 'status'; runId: string }
  | { kind: 'cancel'; runId: string }
  | { kind: 'retry'; runId: string }
  | { kind: 'usage'; problem: string };

const RUN_ID = /^run_[0-9a-z]{10,40}$/;

/** "open a change for that", "make a fix", "raise a PR": in a task's thread, a change to what it found. */
export const CHANGE_FOLLOW_UP =
  /^(please\s+)?(open|make|propose|create|raise|file|prepare)\s+(a\s+|the\s+)?(change|fix|pr|pull request|commit)\b/i;
/** What PostgreSQL cannot store in text (NUL) or JSON (a lone surrogate): refused here, not by the database. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * `/claw` text → a command. Bare text means investigate; `in <namespace>` (or `-n <ns>`)
 * narrows the scope and `on <cluster>` (a kubeconfig context) picks the cluster, at the end of the
 * text. Anything else gets usage help, never an exception.
 */
export function parseClawCommand(text: string): ClawCommand {
  if (UNSTORABLE.test(text))
    return {
      kind: 'usage',
      problem:
        'Your text contains a character I cannot store (a NUL byte or a broken Unicode character); nothing was started. Remove it and ask again.',
    };
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (!trimmed || /^(help|-h|--help|\?)$/i.test(trimmed)) return { kind: 'help' };
  const [head = '', ...rest] = trimmed.split(' ');
  const verb = head.toLowerCase();
  if (verb === 'runs') return rest.length ? { kind: 'usage', problem: '`runs` takes no arguments' } : { kind: 'runs' };
  if (verb === 'status' || verb === 'cancel' || verb === 'retry') {
    const runId = rest[0];
    if (!runId || rest.length > 1 || !RUN_ID.test(runId))
      return { kind: 'usage', problem: `\`${verb}\` needs one run id, like \`/claw ${verb} run_1m8ga36f0j2y1ct\`` };
    return { kind: verb, runId };
  }
  if (verb === 'change') {
    const [repo, ...what] = rest;
    if (!repo || !/^[a-z0-9][a-z0-9._-]*$/.test(repo) || !what.length)
      return {
        kind: 'usage',
        problem:
          '`change` needs a repository and what to change, like `/claw change gitops raise cart memory to 512Mi`',
      };
    return { kind: 'change', repo, question: what.join(' ') };
  }
  if (verb === 'security') {
    const scope = scopeClauses(rest);
    if (scope.question)
      return {
        kind: 'usage',
        problem: '`security` takes only a scope, like `/claw security` or `/claw security in payments on prod`',
      };
    return {
      kind: 'security',
      ...(scope.namespace ? { namespace: scope.namespace } : {}),
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
    };
  }
  if (verb === 'backup' || verb === 'backups') {
    const scope = scopeClauses(rest);
    if (scope.question)
      return {
        kind: 'usage',
        problem:
          '`backup` takes only a scope, like `/claw backup in payments`; to restore, ask `/claw restore payments from backup <name>`',
      };
    // A question the runbooks answer from Velero's objects (workers/runbooks/backup-review.ts).
    return {
      kind: 'investigate',
      question: `Is ${scope.namespace ? `namespace ${scope.namespace}` : 'every namespace'} backed up, and can it be restored?`,
      ...(scope.namespace ? { namespace: scope.namespace } : {}),
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
    };
  }
  if (verb === 'upgrade') {
    const scope = scopeClauses(rest);
    if (scope.namespace)
      return {
        kind: 'usage',
        problem: '`upgrade` is cluster-wide: `/claw upgrade [<name>] [to <version>] [on <cluster>]`',
      };
    // A question the runbooks answer (workers/runbooks/upgrade-review.ts): readiness, or the upgrade asked for.
    return {
      kind: 'investigate',
      question: scope.question ? `Upgrade ${scope.question}` : 'Can we upgrade the cluster? What blocks it?',
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
    };
  }
  if (verb === 'generate') {
    const scope = scopeClauses(rest);
    if (!scope.question)
      return {
        kind: 'usage',
        problem:
          '`generate` needs the workload, like `/claw generate payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080 in payments`',
      };
    return {
      kind: 'generate',
      question: scope.question,
      ...(scope.namespace ? { namespace: scope.namespace } : {}),
      ...(scope.cluster ? { cluster: scope.cluster } : {}),
    };
  }
  const words = verb === 'investigate' ? rest : [head, ...rest];
  if (words.length === 0)
    return {
      kind: 'usage',
      problem: '`investigate` needs a question, like `/claw investigate checkout is failing in shop`',
    };
  const { question, namespace, cluster } = scopeClauses(words);
  if (!question && !namespace)
    return { kind: 'usage', problem: 'tell me what to look at, like `/claw investigate checkout is failing in shop`' };
  return {
    kind: 'investigate',
    question: question || `what is failing in ${namespace}?`,
    ...(namespace ? { namespace } : {}),
    ...(cluster ? { cluster } : {}),
  };
}

/** The trailing `in <namespace>` / `on <cluster>` clauses (or `-n`, `--context`), and the question left. */
function scopeClauses(words: string[]): { question: string; namespace?: string; cluster?: string } {
  let namespace: string | undefined;
  let cluster: string | undefined;
  const kept: string[] = [];
  // The sentence's own end ("what is wrong in shop?") is not part of the name; it stays on the question.
  let end = '';
  // `in X` / `on Y` count only as a trailing clause ("slow in the morning" stays in the question).
  const trailing = (i: number, other: string) =>
    i === words.length - 2 || (words[i + 2]?.toLowerCase() === other && i === words.length - 4);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const lower = w.toLowerCase();
    const next = words[i + 1];
    const ns = next?.replace(/[?!.,;:]+$/, '');
    const ctx = next?.replace(/[?!,;]+$/, '');
    if (
      (lower === 'in' || w === '-n' || w === '--namespace') &&
      ns &&
      isNamespace(ns) &&
      (lower !== 'in' || trailing(i, 'on'))
    ) {
      namespace = ns;
      end = next!.slice(ns.length) || end;
      i++;
    } else if (
      (lower === 'on' || w === '--context') &&
      ctx &&
      isContext(ctx) &&
      (lower !== 'on' || trailing(i, 'in'))
    ) {
      cluster = ctx;
      end = next!.slice(ctx.length) || end;
      i++;
    } else kept.push(w);
  }
  return { question: kept.length ? `${kept.join(' ').trim()}${end}` : '', namespace, cluster };
}

/** A kubeconfig context name: kind-prod, admin@staging, arn:aws:eks:eu-west-1:123:cluster/prod. */
function isContext(s: string): boolean {
  return /^[\w.:@/-]{1,200}$/.test(s);
}

function isNamespace(s: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(s);
}

export const HELP_TEXT = [
  '*ClusterClaw* investigates what is failing in your cluster and proposes fixes that an approver must accept.',
  '• `/claw investigate <what is wrong> [in <namespace>] [on <cluster>]` — start an investigation (bare text works too)',
  '• `/claw change <repo> <what to change>` — a coding agent changes a configured repository; CI must pass, then an approver decides before anything is pushed',
  '• `/claw security [in <namespace>] [on <cluster>]` — a ranked security-posture review (RBAC, Pod Security, NetworkPolicy, Trivy reports); fixes come as approval cards',
  '• `/claw backup [in <namespace>]` — is it backed up by Velero, can it be restored now; a missing backup becomes an approval card',
  '• `/claw restore <namespace> [from backup <name>] [into <namespace>]` — a Velero restore as an approval card that lists what the backup holds and what is already there',
  '• `/claw upgrade [<name>] [to <version>]` — upgrade readiness (removed APIs, skew, PDBs, OpenShift operators and pools, Cluster API); with a version, the upgrade as an approval card, followed to completion',
  '• `/claw generate <workload, image, port, replicas> [in <namespace>]` — production-ready manifests (restricted Pod Security, probes, limits, PDB, HPA, NetworkPolicy), validated by server dry-runs, as an approval card',
  '• `/claw runs` — recent runs',
  '• `/claw status <run>` — where a run stands',
  '• `/claw cancel <run>` — stop a run (at once when it waits, at its next step when it is working)',
  '• `/claw retry <run>` — run a finished task again, from the start, in its thread',
  '• `@ClusterClaw <question>` in a thread — a follow-up that keeps the thread, its scope and what was found',
  'Proposed changes never run by themselves: an approver clicks Approve on the card, or Reject with a reason.',
  'Examples: `/claw checkout returns 502s in shop`, `/claw investigate why are pods restarting on prod-eu`',
].join('\n');
