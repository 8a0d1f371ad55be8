// Field ownership for server-side apply, in the managedFields FieldsV1 shape ({"f:spec":{"f:replicas":{}}}).
// Lists are owned whole (the real server tracks keyed list items; a documented simplification).

const IDENTITY = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace', 'status']);

/** Leaf paths an applied configuration sets, as dotted strings ("spec.replicas", "metadata.labels.app"). */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0)
    return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if (IDENTITY.has(p) || p.startsWith('metadata.managedFields') || p.startsWith('metadata.resourceVersion'))
      return [];
    return leafPaths(v, p);
  });
}

export function toFieldsV1(paths: string[]): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const p of paths) {
    let node = root;
    for (const k of p.split('.')) node = node[`f:${k}`] ??= {};
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix = ''): string[] {
  if (!fields || typeof fields !== 'object' || Object.keys(fields).length === 0) return prefix ? [prefix] : [];
  return Object.entries(fields).flatMap(([k, v]) =>
    k.startsWith('f:') ? fromFieldsV1(v, prefix ? `${prefix}.${k.slice(2)}` : k.slice(2)) : [],
  );
}

export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), obj);
}

export function deletePath(obj: any, path: string): void {
  const keys = path.split('.');
  const parents: any[] = [];
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    if (node?.[k] === undefined) return;
    parents.push([node, k]);
    node = node[k];
  }
  delete node[keys[keys.length - 1]!];
  // Drop maps the removal left empty, as the real server prunes them.
  for (const [parent, k] of parents.reverse()) {
    if (parent[k] && typeof parent[k] === 'object' && !Array.isArray(parent[k]) && Object.keys(parent[k]).length === 0)
      delete parent[k];
    else break;
  }
}
