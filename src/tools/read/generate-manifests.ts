import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';
import { validateBundle } from '../manifests/validate-bundle.ts';
import { workloadBundle } from '../manifests/workload-bundle.ts';
import { workloadFacts } from '../manifests/workload-request.ts';

export const generateManifests = defineReadTool({
  name: 'generate_manifests',
  description:
    'Production-ready manifests for one workload (ServiceAccount, Deployment or StatefulSet, Service, PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy) from a request like "payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080 with 3 replicas", or from explicit facts; validated by a server-side dry-run of every object and of a Pod made from each pod template (Pod Security Admission judges pods), and by the production checks. Writes nothing: apply_manifest proposes the result.',
  input: z.object({
    request: z.string().max(500).default(''),
    namespace: NamespaceName.optional(),
    name: z.string().max(52).optional(),
    image: z.string().max(300).optional(),
    port: z.number().int().optional(),
    replicas: z.number().int().optional(),
    kind: z.enum(['Deployment', 'StatefulSet']).optional(),
    storage: z.string().max(20).optional(),
    ingressFrom: NamespaceName.optional(),
  }),
  budget: 30_000,
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace ?? ctx.reader.defaultNamespace;
    checkScope(ctx, namespace);
    const { request, ...given } = input;
    const facts = workloadFacts(request, { ...given, namespace });
    return validateBundle(ctx.reader, workloadBundle(facts), facts);
  },
});
