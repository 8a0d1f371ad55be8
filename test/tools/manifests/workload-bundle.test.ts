import { describe, expect, it } from 'vitest';
import { PlanError } from '../../../src/domain/errors.ts';
import { podSecurityChecks, podSpecOf } from '../../../src/lib/pod-security.ts';
import { productionChecks } from '../../../src/tools/manifests/production-checks.ts';
import { workloadBundle } from '../../../src/tools/manifests/workload-bundle.ts';
import { workloadFacts } from '../../../src/tools/manifests/workload-request.ts';

describe('the facts of a request, read without a model', () => {
  it.each([
    [
      'payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080 with 3 replicas',
      { name: 'payments-api', image: 'ghcr.io/acme/payments-api:2.14.0', port: 8080, replicas: 3, kind: 'Deployment' },
    ],
    [
      'a postgres database called ledger-db using registry.example.com/db/postgres:16.4, port 5432, 20Gi, 1 replica',
      {
        name: 'ledger-db',
        image: 'registry.example.com/db/postgres:16.4',
        port: 5432,
        replicas: 1,
        kind: 'StatefulSet',
        storage: '20Gi',
      },
    ],
    [
      'run nginx:1.27 behind ingress-nginx',
      { name: 'nginx', image: 'nginx:1.27', port: 8080, replicas: 3, ingressFrom: 'ingress-nginx' },
    ],
  ])('%j', (request, want) => {
    expect(workloadFacts(request, { namespace: 'payments' })).toMatchObject({ namespace: 'payments', ...want });
  });

  it.each([
    ['a web server on port 80', 'name the image to run'],
    ['web from nginx:latest', 'pin the image to a version'],
    ['web from ghcr.io/acme/web', 'pin the image to a version'],
    ['web from nginx:1.27 on port 99999', 'is not a TCP port'],
  ])('refuses %j in one line', (request, message) => {
    expect(() => workloadFacts(request, { namespace: 'shop' })).toThrow(PlanError);
    expect(() => workloadFacts(request, { namespace: 'shop' })).toThrow(message);
  });
});

describe('the bundle passes restricted and every production check; the checks catch what it avoids', () => {
  const facts = workloadFacts('payments-api from ghcr.io/acme/payments-api:2.14.0 on port 8080 with 3 replicas', {
    namespace: 'payments',
  });

  it('a Deployment bundle: six objects, restricted pods, every check passing, replicas left to the HPA', () => {
    const objects = workloadBundle(facts);
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
      'NetworkPolicy',
    ]);
    const deploy = objects[1]!;
    expect(podSecurityChecks(podSpecOf(deploy)!, 'restricted')).toEqual([]);
    expect(deploy.spec.replicas).toBeUndefined();
    expect(objects[4]!.spec.minReplicas).toBe(3);
    const checks = productionChecks(objects);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(new Set(checks.map((c) => c.id))).toEqual(
      new Set([
        'pod-security-restricted',
        'container-resources',
        'probes',
        'image-tag',
        'pull-policy-always',
        'read-only-root-fs',
        'uid-above-10000',
        'anti-affinity',
        'topology-spread',
        'pdb',
        'network-policy',
        'service-account-token',
        'service-targets-pod',
      ]),
    );
  });

  it('a StatefulSet bundle has a headless Service and a claim per replica, and no HPA', () => {
    const objects = workloadBundle(
      workloadFacts('ledger-db from registry.example.com/db/postgres:16.4 port 5432 20Gi', { namespace: 'pay' }),
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/ledger-db',
      'StatefulSet/ledger-db',
      'Service/ledger-db',
      'Service/ledger-db-headless',
      'PodDisruptionBudget/ledger-db',
      'NetworkPolicy/ledger-db',
    ]);
    expect(objects[1]!.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(productionChecks(objects).filter((c) => !c.ok)).toEqual([]);
  });

  it('names each failure of a hand-written (or model-written) manifest', () => {
    const [, deploy] = workloadBundle(facts);
    const c = deploy!.spec.template.spec.containers[0];
    c.image = 'ghcr.io/acme/payments-api:latest';
    delete c.resources.limits;
    delete c.livenessProbe;
    c.securityContext.allowPrivilegeEscalation = true;
    deploy!.spec.replicas = 3;
    const failed = productionChecks([deploy!])
      .filter((x) => !x.ok)
      .map((x) => x.id);
    expect(failed).toEqual(
      expect.arrayContaining([
        'pod-security-restricted',
        'container-resources',
        'probes',
        'image-tag',
        'pdb',
        'network-policy',
      ]),
    );
    expect(failed).not.toContain('read-only-root-fs');
  });
});
