import { request } from 'undici';

/** One sample of an instant vector, as Prometheus's HTTP API returns it. */
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Reads Prometheus's HTTP API (`/api/v1/query`): where volume usage comes from when the kubelet's
 * stats summary is not ours to read (no `nodes/proxy`, which is kubelet API access).
 */
export class PrometheusClient {
  private readonly base: string;
  private readonly token?: string;

  constructor(url: string, token?: string) {
    this.base = url.replace(/\/$/, '');
    this.token = token;
  }

  async query(promql: string, signal?: AbortSignal): Promise<Sample[]> {
    const res = await request(`${this.base}/api/v1/query?query=${encodeURIComponent(promql)}`, {
      headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
      signal,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = (await res.body.json()) as {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: Sample[] };
    };
    if (res.statusCode !== 200 || body.status !== 'success')
      throw new Error(`Prometheus answered ${res.statusCode}: ${body.error ?? 'no result'}`);
    return body.data?.resultType === 'vector' ? (body.data.result ?? []) : [];
  }

  /** Claim usage from the kubelet's volume metrics (kube-prometheus scrapes them), per namespace and claim. */
  async volumeUsage(
    namespace?: string,
  ): Promise<{ namespace: string; claim: string; pod: string; capacityBytes: number; usedBytes: number }[]> {
    const sel = namespace ? `{namespace="${namespace}"}` : '';
    const [used, capacity] = await Promise.all([
      this.query(`max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes${sel})`),
      this.query(`max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes${sel})`),
    ]);
    const key = (m: Record<string, string>) => `${m.namespace}/${m.persistentvolumeclaim}`;
    const caps = new Map(capacity.map((s) => [key(s.metric), Number(s.value[1])]));
    return used
      .filter((s) => caps.has(key(s.metric)) && s.metric.namespace && s.metric.persistentvolumeclaim)
      .map((s) => ({
        namespace: s.metric.namespace!,
        claim: s.metric.persistentvolumeclaim!,
        pod: '',
        capacityBytes: caps.get(key(s.metric))!,
        usedBytes: Number(s.value[1]),
      }));
  }
}
