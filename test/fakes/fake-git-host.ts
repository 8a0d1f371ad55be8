import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHost {
  url: string;
  /** Every call: method, path, the auth header it carried, and its JSON body. */
  calls: { method: string; path: string; auth: string | undefined; body: any }[];
  /** Pull (merge) requests opened so far. */
  opened: { number: number; head: string; base: string; title: string; body: string }[];
  close(): Promise<void>;
}

/**
 * The pull-request part of GitHub's REST API (`/repos/{owner}/{repo}/pulls`) or GitLab's
 * (`/projects/{id}/merge_requests`), as their clients see it: a token in the header each expects
 * (GitHub `Authorization: Bearer`, GitLab `PRIVATE-TOKEN`), 401 without it, lists filtered by
 * branch, and the created request's number and web URL in the answer.
 */
export async function startFakeGitHost(kind: 'github' | 'gitlab', token: string): Promise<FakeGitHost> {
  const host: FakeGitHost = { url: '', calls: [], opened: [], close: async () => {} };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const auth = kind === 'github' ? req.headers.authorization : (req.headers['private-token'] as string | undefined);
    host.calls.push({ method: req.method!, path: req.url!, auth, body });
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    if (auth !== (kind === 'github' ? `Bearer ${token}` : token)) return json(401, { message: 'Bad credentials' });
    const url = new URL(req.url!, 'http://x');
    const gh = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    const gl = /^\/projects\/([^/]+)\/merge_requests$/.exec(url.pathname);
    if (kind === 'github' && gh) {
      const slug = `${gh[1]}/${gh[2]}`;
      const view = (p: FakeGitHost['opened'][number]) => ({
        number: p.number,
        html_url: `https://github.example/${slug}/pull/${p.number}`,
        head: { ref: p.head },
        base: { ref: p.base },
      });
      if (req.method === 'GET') {
        const head = url.searchParams.get('head')?.split(':')[1];
        return json(200, host.opened.filter((p) => !head || p.head === head).map(view));
      }
      if (req.method === 'POST') {
        if (host.opened.some((p) => p.head === body.head))
          return json(422, { message: 'Validation Failed', errors: [{ message: 'A pull request already exists' }] });
        const p = {
          number: host.opened.length + 1,
          head: body.head,
          base: body.base,
          title: body.title,
          body: body.body,
        };
        host.opened.push(p);
        return json(201, view(p));
      }
    }
    if (kind === 'gitlab' && gl) {
      const project = decodeURIComponent(gl[1]!);
      const view = (p: FakeGitHost['opened'][number]) => ({
        iid: p.number,
        web_url: `https://gitlab.example/${project}/-/merge_requests/${p.number}`,
        source_branch: p.head,
        target_branch: p.base,
      });
      if (req.method === 'GET') {
        const source = url.searchParams.get('source_branch');
        return json(200, host.opened.filter((p) => !source || p.head === source).map(view));
      }
      if (req.method === 'POST') {
        const p = {
          number: host.opened.length + 1,
          head: body.source_branch,
          base: body.target_branch,
          title: body.title,
          body: body.description,
        };
        host.opened.push(p);
        return json(201, view(p));
      }
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host.close = () => new Promise((r) => server.close(() => r()));
  return host;
}
