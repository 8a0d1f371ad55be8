/** An object as people name it: `Deployment shop/cart`. Findings, proposals and policy speak in these. */
export interface ObjectRef {
  kind: string;
  /** Absent for cluster-scoped objects (Node, Namespace, PersistentVolume…). */
  namespace?: string;
  name: string;
}

/** An object as the API server addresses it: the same, with its group/version. */
export interface ApiObjectRef extends ObjectRef {
  apiVersion: string;
}
