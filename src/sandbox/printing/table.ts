import type { KubeObject } from '../../lib/kube-object.ts';
import { DEFAULT_PRINTER, PRINTERS } from './columns.ts';

/** True when the client asked for server-side printing (`Accept: application/json;as=Table;…`), as kubectl get does. */
export function wantsTable(accept: string | undefined): boolean {
  return /;\s*as=Table/.test(accept ?? '');
}

/** A meta.k8s.io/v1 Table of `objects`, with the columns the real API server prints for their kind. */
export function toTable(kind: string, objects: KubeObject[], now: Date, listMeta: Record<string, unknown> = {}): Record<string, unknown> {
  const p = PRINTERS[kind] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: p.columns.map((c) => {
      const wide = c.startsWith('*');
      const name = wide ? c.slice(1) : c;
      return { name, type: name === 'Name' ? 'string' : 'string', format: name === 'Name' ? 'name' : '', description: name, priority: wide ? 1 : 0 };
    }),
    rows: objects.map((o) => ({
      cells: p.cells(o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
