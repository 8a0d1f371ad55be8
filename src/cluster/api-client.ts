import { Readable } from 'node:stream';
import {
  type Configuration,
  createConfiguration,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from '@kubernetes/client-node';
import { type Dispatcher, getGlobalDispatcher, request } from 'undici';

const USER_AGENT = 'clusterclaw';

/**
 * client-node's HTTP library with `undici.request` in place of `fetch`: the same undici, the
 * same per-cluster dispatcher (TLS, proxy, the impersonation headers), the same abort signal.
 * fetch's WHATWG Headers, Response and web streams cost more CPU than the API server's answer
 * (about 0.7 ms of 1.3 ms per list against the sandbox); a run's analyzers make 17 reads.
 * Unlike fetch it neither follows redirects nor asks for compression, which the API server
 * does not need.
 */
export const undiciTransport: HttpLibrary = wrapHttpLibrary({
  async send(req: RequestContext): Promise<ResponseContext> {
    const headers = req.getHeaders();
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['User-Agent'] = USER_AGENT;
    const res = await request(req.getUrl(), {
      method: req.getHttpMethod() as Dispatcher.HttpMethod,
      headers,
      body: req.getBody() as string | Buffer | undefined,
      signal: req.getSignal(),
      dispatcher: req.getDispatcher() ?? getGlobalDispatcher(),
    });
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
    return new ResponseContext(res.statusCode, flat, {
      text: () => res.body.text(),
      binary: async () => Buffer.from(await res.body.arrayBuffer()),
      stream: () => Readable.toWeb(res.body) as ReadableStream<Uint8Array>,
    });
  },
});

/**
 * `kc.makeApiClient(type)` on our transport. Authentication still goes through `kc` (its
 * `applySecurityAuthentication` sets the token and the TLS dispatcher per request), so an
 * `abortable` or `impersonating` view of a kubeconfig keeps working.
 */
export function makeApiClient<T>(kc: KubeConfig, type: new (config: Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  return new type(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      httpApi: undiciTransport,
    }),
  );
}
