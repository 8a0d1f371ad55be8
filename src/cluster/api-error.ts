import { ApiException } from '@kubernetes/client-node';

/** A one-line, user-facing description of a Kubernetes API failure (Status.message when present). */
export function describeKubeError(e: unknown): string {
  if (e instanceof ApiException) {
    try {
      const status = JSON.parse(String(e.body)) as { message?: string; reason?: string };
      return `${e.code} ${status.reason ?? ''}: ${status.message ?? e.message}`.replace(/\s+/g, ' ');
    } catch {
      return `${e.code}: ${String(e.body).slice(0, 200)}`;
    }
  }
  return (e as Error)?.message ?? String(e);
}
