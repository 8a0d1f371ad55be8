/**
 * Which namespaces a Velero Backup, Schedule template or Restore reaches, as Velero reads
 * `includedNamespaces` / `excludedNamespaces` (globs; empty or `*` means all) and
 * `namespaceMapping`. Shared by the simulated Velero, the backup analyzers and the gate.
 */
export interface NamespaceScope {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  namespaceMapping?: Record<string, string>;
}

const compiled = new Map<string, RegExp>();

export function namespaceGlob(pattern: string, name: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
    // A review sees few distinct patterns; bounded anyway, as patterns come from the cluster.
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(name);
}

/** Whether a backup (or restore) of `scope` includes `namespace`. */
export function coversNamespace(scope: NamespaceScope | undefined, namespace: string): boolean {
  const inc = scope?.includedNamespaces?.length ? scope.includedNamespaces : ['*'];
  return (
    inc.some((g) => namespaceGlob(g, namespace)) &&
    !(scope?.excludedNamespaces ?? []).some((g) => namespaceGlob(g, namespace))
  );
}

/** Whether the scope names every namespace it includes (no glob, not "all"): what the gate can judge. */
export function explicitNamespaces(scope: NamespaceScope | undefined): string[] | undefined {
  const inc = scope?.includedNamespaces ?? [];
  if (!inc.length || inc.some((n) => n.includes('*'))) return undefined;
  return inc;
}

/** The namespaces a restore writes into: each included namespace, through the mapping. */
export function restoreTargets(scope: NamespaceScope | undefined): string[] | undefined {
  const from = explicitNamespaces(scope);
  return from?.map((n) => scope?.namespaceMapping?.[n] ?? n);
}
