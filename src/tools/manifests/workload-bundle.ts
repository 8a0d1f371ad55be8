import type { KubeObject } from '../../lib/kube-object.ts';
import type { WorkloadFacts } from './workload-request.ts';

const UID = 10001;

/**
 * The production-ready bundle for one workload (reference: kube-score, Polaris and kube-linter's
 * checks): a ServiceAccount without a mounted token, the Deployment or StatefulSet, its Service,
 * a PodDisruptionBudget, a HorizontalPodAutoscaler (Deployments), and a NetworkPolicy. The pods
 * pass the restricted Pod Security Standard, run as UID 10001 on a read-only root filesystem with
 * /tmp as an emptyDir, have requests and limits, TCP probes on their port, anti-affinity and a zone
 * spread. A Deployment an HPA scales leaves `replicas` to it (a re-apply would reset it).
 */
export function workloadBundle(f: WorkloadFacts): KubeObject[] {
  const tag = /:([\w.-]+)(?:@|$)/.exec(f.image.slice(f.image.lastIndexOf('/') + 1))?.[1];
  const selector = { 'app.kubernetes.io/name': f.name, 'app.kubernetes.io/instance': f.name };
  const labels = {
    ...selector,
    ...(tag ? { 'app.kubernetes.io/version': tag } : {}),
    'app.kubernetes.io/managed-by': 'clusterclaw',
  };
  const meta = (name = f.name) => ({ name, namespace: f.namespace, labels });
  const stateful = f.kind === 'StatefulSet';
  const scaled = !stateful;
  const podSpec = {
    serviceAccountName: f.name,
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: UID,
      runAsGroup: UID,
      fsGroup: UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
          },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
      },
    ],
    containers: [
      {
        name: f.name.slice(0, 63),
        image: f.image,
        imagePullPolicy: 'Always',
        ports: [{ name: 'app', containerPort: f.port, protocol: 'TCP' }],
        resources: {
          requests: { cpu: '250m', memory: '256Mi', 'ephemeral-storage': '100Mi' },
          limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '500Mi' },
        },
        readinessProbe: { tcpSocket: { port: 'app' }, periodSeconds: 5, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: 'app' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: UID,
          runAsGroup: UID,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(stateful ? [{ name: 'data', mountPath: '/data' }] : [])],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
  const template = { metadata: { labels: selector }, spec: podSpec };
  const workload: KubeObject = stateful
    ? {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta(),
        spec: {
          serviceName: `${f.name}-headless`,
          replicas: f.replicas,
          revisionHistoryLimit: 10,
          selector: { matchLabels: selector },
          template,
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: f.storage ?? '10Gi' } } },
            },
          ],
        },
      }
    : {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(),
        spec: {
          revisionHistoryLimit: 10,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          selector: { matchLabels: selector },
          template,
        },
      };
  const service = (name: string, headless: boolean): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name),
    spec: {
      type: 'ClusterIP',
      ...(headless ? { clusterIP: 'None' } : {}),
      selector,
      ports: [{ name: 'app', port: f.port, targetPort: 'app', protocol: 'TCP' }],
    },
  });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(), automountServiceAccountToken: false },
    workload,
    service(f.name, false),
    ...(stateful ? [service(`${f.name}-headless`, true)] : []),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: selector } },
    },
    ...(scaled
      ? [
          {
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: meta(),
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: f.name },
              minReplicas: f.replicas,
              maxReplicas: Math.max(f.replicas * 3, f.replicas + 2),
              metrics: [
                {
                  type: 'Resource',
                  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
                },
              ],
            },
          },
        ]
      : []),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              { podSelector: {} },
              ...(f.ingressFrom
                ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': f.ingressFrom } } }]
                : []),
            ],
            ports: [{ protocol: 'TCP', port: f.port }],
          },
        ],
        egress: [
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
  ];
}
