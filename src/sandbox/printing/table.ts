import type { KubeObject } from '../../lib/kube-object.ts';
import type { ResourceType } from '../resources.ts';
import { DEFAULT_PRINTER, PRINTERS, type Printer } from './columns.data.ts';
import { age } from './duration.ts';
import { findResults, printValue } from './json-path.ts';

/** True when the client asked for server-side printing (`Accept: application/json;as=Table;…`), as kubectl get does. */
export function wantsTable(accept: string | undefined): boolean {
  return /;\s*as=Table/.test(accept ?? '');
}

/** A meta.k8s.io/v1 Table of `objects`, with the columns the real API server prints for their kind. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  now: Date,
  listMeta: Record<string, unknown> = {},
): Record<string, unknown> {
  const p = type.printerColumns ? customPrinter(type.printerColumns) : (PRINTERS[type.kind] ?? DEFAULT_PRINTER);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: p.columns.map((c) => {
      const wide = c.startsWith('*');
      const name = wide ? c.slice(1) : c;
      return { name, type: 'string', format: name === 'Name' ? 'name' : '', description: name, priority: wide ? 1 : 0 };
    }),
    rows: objects.map((o) => ({
      cells: p.cells(o, now),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** A custom resource's additionalPrinterColumns: the first match of each JSONPath; `date` columns print as ages. */
function customPrinter(columns: { name: string; jsonPath: string; type?: string; priority?: number }[]): Printer {
  const get = (o: unknown, path: string) => {
    try {
      return findResults(o, path)[0];
    } catch {
      return undefined; // a path the server could not evaluate prints an empty cell, as there
    }
  };
  return {
    columns: [
      'Name',
      ...columns.map((c) => `${c.priority ? '*' : ''}${c.name}`),
      // The API server adds Age only for a CRD that declares no columns of its own.
      ...(columns.length ? [] : ['Age']),
    ],
    cells: (o, now) => [
      o.metadata.name,
      ...columns.map((c) => {
        const v = get(o, c.jsonPath);
        return v === undefined
          ? ''
          : c.type === 'date'
            ? age(String(v), now)
            : typeof v === 'object'
              ? printValue(v)
              : v;
      }),
      ...(columns.length ? [] : [age(o.metadata.creationTimestamp, now)]),
    ],
  };
}
