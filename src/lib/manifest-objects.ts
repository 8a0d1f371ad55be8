import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './kube-object.ts';

/**
 * The Kubernetes objects a multi-document YAML manifest holds (a `List` gives its items): what
 * `helm template`, `kubectl kustomize` and a release's stored manifest produce. Throws on YAML
 * that does not parse; documents that are not objects (comments, empty) are skipped.
 */
export function manifestObjects(text: string): KubeObject[] {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const bad = docs.find((d) => d.errors.length);
  if (bad) throw new Error(`not valid YAML: ${bad.errors[0]!.message}`);
  return docs
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o && typeof o === 'object' && o.apiVersion && o.kind)
    .flatMap((o) => (o.kind === 'List' && Array.isArray(o.items) ? (o.items as KubeObject[]) : [o]));
}
