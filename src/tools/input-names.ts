import { z } from 'zod';
import { isDnsLabel, isDnsSubdomain, isPathSegmentName } from '../lib/kube-names.ts';

// Tool inputs name namespaces and objects the way the API server will: a model that writes "SHOP"
// means namespace shop (Kubernetes names are lowercase), and the canonical form is what policy
// judges, the card shows and the executor sends. Anything that is not a valid name is refused.

/** A namespace: an RFC 1123 label, canonicalized to lowercase. */
export const NamespaceName = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isDnsLabel, 'must be a namespace name: lowercase letters, digits and "-", at most 63 characters');

/** A workload, pod, claim or node name: an RFC 1123 subdomain, canonicalized to lowercase. */
export const ObjectName = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isDnsSubdomain, 'must be an object name: lowercase letters, digits, "-" and ".", at most 253 characters');

/** Any kind's name (RBAC names may hold ':' and capitals): sent exactly as written. */
export const AnyObjectName = z.string().refine(isPathSegmentName, 'must be an object name without "/", "%" or spaces');
