import type { WriteStep } from '../domain/write-request.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { KubeReader } from './kube-reader.ts';

/**
 * The only class that can apply a write to a cluster. Constructed by the executor
 * (approvals/execute.ts) and nowhere else; a test enforces that.
 */
export class KubeWriter extends KubeReader {
  async apply(step: WriteStep): Promise<KubeObject | null> {
    return this.send(step, false);
  }
}
