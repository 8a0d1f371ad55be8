import type { RepoConfig } from '../config/config.ts';

export interface PullRequestAsk {
  /** The pushed `claw/…` branch and the tracked branch it goes into. */
  head: string;
  base: string;
  title: string;
  body: string;
}

export type PullRequestResult =
  | { opened: true; url: string; number: number; already: boolean }
  | { opened: false; reason: string };

/**
 * Opens the pull request (GitHub, Gitea) or merge request (GitLab) for an approved change's pushed
 * branch — called only by the executor, after the push. Exactly once: a request already open (or
 * closed, or merged) from that branch is found first and reported instead of opening another,
 * so a retried execution records the one there is. The token is the repository's
 * `pullRequest.tokenEnv`, read by config; no agent ever has it.
 */
export async function openPullRequest(repo: RepoConfig, ask: PullRequestAsk): Promise<PullRequestResult> {
  const pr = repo.pullRequest;
  if (!pr) return { opened: false, reason: `repos.${repo.name}.pullRequest is not configured` };
  if (!pr.token) return { opened: false, reason: `${pr.tokenEnv} is not set: ClusterClaw cannot reach ${pr.apiUrl}` };
  const api = HOSTS[pr.provider as keyof typeof HOSTS];
  if (!api) return { opened: false, reason: `pull requests on ${pr.provider} are not supported` };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${pr.apiUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { ...api.headers(pr.token!), accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    const found = await api.find(call, pr.repo, ask);
    if (found) return { opened: true, ...found, already: true };
    return { opened: true, ...(await api.open(call, pr.repo, ask)), already: false };
  } catch (e) {
    return { opened: false, reason: (e as Error).message };
  }
}

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type Found = { url: string; number: number };

interface Host {
  headers(token: string): Record<string, string>;
  find(call: Call, repo: string, ask: PullRequestAsk): Promise<Found | undefined>;
  open(call: Call, repo: string, ask: PullRequestAsk): Promise<Found>;
}

const ghLike = (headers: Host['headers']): Host => ({
  headers,
  async find(call, repo, ask) {
    const owner = repo.split('/')[0];
    const list = (await call(
      'GET',
      `/repos/${repo}/pulls?state=all&head=${encodeURIComponent(`${owner}:${ask.head}`)}&base=${encodeURIComponent(ask.base)}`,
    )) as { html_url: string; number: number; head?: { ref?: string } }[];
    // Gitea ignores `head`: the branch is checked here, whoever filtered.
    const hit = list.find((p) => p.head?.ref === ask.head);
    return hit ? { url: hit.html_url, number: hit.number } : undefined;
  },
  async open(call, repo, ask) {
    const made = (await call('POST', `/repos/${repo}/pulls`, {
      title: ask.title,
      head: ask.head,
      base: ask.base,
      body: ask.body,
    })) as { html_url: string; number: number };
    return { url: made.html_url, number: made.number };
  },
});

const HOSTS = {
  github: ghLike((t) => ({ authorization: `Bearer ${t}`, 'x-github-api-version': '2022-11-28' })),
  gitea: ghLike((t) => ({ authorization: `token ${t}` })),
  gitlab: {
    headers: (t: string) => ({ 'private-token': t }),
    async find(call: Call, repo: string, ask: PullRequestAsk) {
      const list = (await call(
        'GET',
        `/projects/${encodeURIComponent(repo)}/merge_requests?state=all&source_branch=${encodeURIComponent(ask.head)}&target_branch=${encodeURIComponent(ask.base)}`,
      )) as { web_url: string; iid: number }[];
      return list[0] ? { url: list[0].web_url, number: list[0].iid } : undefined;
    },
    async open(call: Call, repo: string, ask: PullRequestAsk) {
      const made = (await call('POST', `/projects/${encodeURIComponent(repo)}/merge_requests`, {
        source_branch: ask.head,
        target_branch: ask.base,
        title: ask.title,
        description: ask.body,
        remove_source_branch: true,
      })) as { web_url: string; iid: number };
      return { url: made.web_url, number: made.iid };
    },
  },
} satisfies Record<string, Host>;
