import { PlanError } from '../../domain/errors.ts';

/** What a production-ready workload bundle is made from: the facts a request states or a caller passes. */
export interface WorkloadFacts {
  name: string;
  namespace: string;
  image: string;
  kind: 'Deployment' | 'StatefulSet';
  port: number;
  replicas: number;
  /** StatefulSet: each replica's volume (e.g. `10Gi`). */
  storage?: string;
  /** Namespace whose pods may call it (its ingress controller), beside the workload's own namespace. */
  ingressFrom?: string;
}

const IMAGE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._/-]+(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?$/;
const NAME = /^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/;

/**
 * The facts of "payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080 with 3 replicas",
 * read by rule (no model): an image reference, `port N`, `N replicas`, `called|named NAME`,
 * "stateful"/"database" or a size (`10Gi`) for a StatefulSet, `behind NAMESPACE` for the ingress
 * controller's namespace. Explicit facts win. A missing image, or one without a pinned tag, is a
 * plain error: `latest` is not production-ready.
 */
export function workloadFacts(request: string, given: Partial<WorkloadFacts> & { namespace: string }): WorkloadFacts {
  const words = request.split(/[\s,;]+/).map((w) => w.replace(/[.?!)]+$/, '').replace(/^\(/, ''));
  const image =
    given.image ?? words.find((w) => (w.includes('/') || w.includes(':')) && IMAGE.test(w) && !/^https?:/.test(w));
  if (!image) throw new PlanError('name the image to run, with its tag (like `ghcr.io/acme/payments-api:2.14.0`)');
  const tag = /:([\w.-]+)(@|$)/.exec(image.slice(image.lastIndexOf('/') + 1))?.[1];
  if ((!tag || tag === 'latest') && !image.includes('@sha256:'))
    throw new PlanError(`pin the image to a version: "${image}" runs whatever \`latest\` is when a pod starts`);
  const after = (re: RegExp) => re.exec(request)?.[1];
  const repoName = image.split('@')[0]!.split('/').pop()!.split(':')[0]!;
  const name = (
    given.name ??
    after(/\b(?:called|named)\s+([a-z0-9-]+)/i) ??
    leadingName(words) ??
    repoName
  ).toLowerCase();
  if (!NAME.test(name))
    throw new PlanError(`"${name}" is not a usable name (lowercase letters, digits and '-', at most 52)`);
  const port = given.port ?? Number(after(/\bport\s+(\d{2,5})\b/i) ?? 8080);
  if (!(port > 0 && port < 65536)) throw new PlanError(`port ${port} is not a TCP port`);
  const replicas = given.replicas ?? Number(after(/\b(\d{1,3})\s+replicas?\b/i) ?? 3);
  if (!(replicas >= 1 && replicas <= 100)) throw new PlanError(`${replicas} replicas: ask for 1 to 100`);
  const storage = given.storage ?? after(/\b(\d{1,5}(?:Gi|Mi|Ti))\b/);
  const stateful =
    given.kind === 'StatefulSet' ||
    (!given.kind && (storage !== undefined || /\b(stateful\w*|database|persistent)\b/i.test(request)));
  const ingressFrom = given.ingressFrom ?? after(/\bbehind\s+([a-z0-9-]+)/i);
  return {
    name,
    namespace: given.namespace,
    image,
    kind: stateful ? 'StatefulSet' : 'Deployment',
    port,
    replicas,
    ...(stateful ? { storage: storage ?? '10Gi' } : {}),
    ...(ingressFrom ? { ingressFrom } : {}),
  };
}

/** "payments-api from …": a first word that names the workload rather than describing it. */
function leadingName(words: string[]): string | undefined {
  const [first, second] = words;
  return first &&
    NAME.test(first) &&
    ['from', 'running', 'using', 'with', 'image'].includes(second?.toLowerCase() ?? '')
    ? first
    : undefined;
}
