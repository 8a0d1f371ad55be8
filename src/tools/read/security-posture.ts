import { z } from 'zod';
import { securityPosture } from '../../analyzers/security/posture.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';
import { readSecuritySnapshot } from './security-reader.ts';

export const securityPostureTool = defineReadTool({
  name: 'security_posture',
  description:
    'Security posture of a namespace or the cluster, ranked worst first: Trivy Operator reports (critical/high CVEs with fixed versions, secrets in images, failed checks), Pod Security Standards (levels, workloads that would violate a stricter one), NetworkPolicy exposure, and RBAC review (cluster-admin, wildcards, secrets, escalate/bind/impersonate, nodes/proxy, idle tokens). Findings carry the fix when the vocabulary has one.',
  input: z.object({
    namespace: NamespaceName.optional().describe('Namespace; omit for every namespace in scope'),
  }),
  budget: 40_000,
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    // Redaction of every string is the runner's (run-read-tool.ts), as for every read tool.
    return securityPosture(await readSecuritySnapshot(ctx.reader, namespace));
  },
});
