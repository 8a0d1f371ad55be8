import type { KubeObject } from '../lib/kube-object.ts';
import { KubeReader, type WriteRequest } from './kube-reader.ts';

/**
 * The only class that can apply a write to a cluster. Constructed by the executor
 * (approvals/execute.ts) and nowhere else; a test enforces that.
 */
export class KubeWriter extends KubeReader {
  async apply(req: WriteRequest): Promise<KubeObject> {
    return this.patchDeployment(req, undefined);
  }
}
