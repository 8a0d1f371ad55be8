import { type ClusterState, T } from '../cluster-state.ts';

/** Marks each CustomResourceDefinition's names accepted and the CRD Established, as the apiextensions server does. */
export function runCrdController(state: ClusterState): void {
  for (const crd of state.store.list(T.crd)) {
    const names = crd.spec?.names ?? {};
    const t = crd.metadata.creationTimestamp;
    const status = {
      acceptedNames: {
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? String(names.kind ?? '').toLowerCase(),
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      },
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: t,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: t,
        },
      ],
      storedVersions: (crd.spec?.versions ?? []).filter((v: any) => v.storage).map((v: any) => v.name),
    };
    if (JSON.stringify(status) !== JSON.stringify(crd.status))
      state.store.update(T.crd, { ...crd, status }, { statusOnly: true });
  }
}
