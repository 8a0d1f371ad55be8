// Kubernetes object names as the API server validates them. The request a proposal carries is
// sent verbatim, so what policy, the card and the hash see must already be the name the server
// acts on: no case folding, no default namespace filled in later by a client library.

/** RFC 1123 label: namespaces, and names of most kinds that end up in DNS (Services). */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain (at most 253 characters): the names of most kinds (Deployments, Pods, Nodes…). */
const DNS_SUBDOMAIN_PART = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((p) => DNS_SUBDOMAIN_PART.test(p));
}

/**
 * A name the API server accepts in a URL path for any kind (RBAC objects allow `system:…`):
 * non-empty, at most 253 characters, not `.` or `..`, no `/`, `%` or whitespace/control characters.
 */
export function isPathSegmentName(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s !== '.' && s !== '..' && !/[/%\s\u0000-\u001f\u007f]/.test(s);
}

/** Why `namespace` is not a namespace name, or undefined when it is one. */
export function namespaceProblem(namespace: string): string | undefined {
  return isDnsLabel(namespace)
    ? undefined
    : `"${namespace}" is not a namespace name (lowercase letters, digits and '-', at most 63 characters)`;
}
