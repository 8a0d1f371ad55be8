import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApiClient } from '../../src/cluster/api-client.ts';
import { describeKubeError } from '../../src/cluster/api-error.ts';
import { abortable, withRequestSignal } from '../../src/cluster/request-signal.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An API server on the wire: answers the namespace routes, records what arrived, hangs on `slow`. */
describe('the Kubernetes transport (undici.request under client-node)', () => {
  let server: Server;
  let kc: KubeConfig;
  const seen: Seen[] = [];
  let closedEarly = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const json = (status: number, o: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
        if (req.url === '/api/v1/namespaces') {
          if (req.method === 'POST') return json(201, JSON.parse(body));
          return json(200, {
            apiVersion: 'v1',
            kind: 'NamespaceList',
            metadata: {},
            items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'cart' } } }],
          });
        }
        if (req.url === '/api/v1/namespaces/slow') {
          res.on('close', () => !res.writableEnded && closedEarly++);
          return; // never answers
        }
        json(404, {
          apiVersion: 'v1',
          kind: 'Status',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
          message: 'namespaces "gone" not found',
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromOptions({
      // Plain HTTP: client-node refuses it unless TLS verification is off.
      clusters: [
        { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      ],
      users: [{ name: 'u', token: 'not-a-real-token' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends the kubeconfig's credentials and our user agent, and parses the answer into client-node's types", async () => {
    const list = await makeApiClient(kc, CoreV1Api).listNamespace();
    expect(list.items.map((n) => [n.metadata?.name, n.metadata?.labels?.team])).toEqual([['shop', 'cart']]);
    const req = seen.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', url: '/api/v1/namespaces' });
    expect(req.headers.authorization).toBe('Bearer not-a-real-token');
    expect(req.headers['user-agent']).toBe('clusterclaw');
  });

  it('sends a body with its content type, unchanged', async () => {
    const created = await makeApiClient(kc, CoreV1Api).createNamespace({
      body: { metadata: { name: 'new', annotations: { why: 'a "quoted" ü' } } },
    });
    expect(created.metadata?.annotations?.why).toBe('a "quoted" ü');
    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ metadata: { name: 'new', annotations: { why: 'a "quoted" ü' } } });
  });

  it("turns an error status into client-node's ApiException with the server's Status", async () => {
    const err = await makeApiClient(kc, CoreV1Api)
      .readNamespace({ name: 'gone' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect(err.code).toBe(404);
    expect(describeKubeError(err)).toBe('404 NotFound: namespaces "gone" not found');
  });

  it("tears the connection down when the run's signal aborts", async () => {
    const run = new AbortController();
    const api = makeApiClient(abortable(kc), CoreV1Api);
    const read = withRequestSignal(run.signal, () => api.readNamespace({ name: 'slow' }));
    await expect.poll(() => seen.some((s) => s.url === '/api/v1/namespaces/slow')).toBe(true);
    run.abort(new Error('run killed'));
    await expect(read).rejects.toThrow();
    await expect.poll(() => closedEarly).toBe(1);
  });
});
