import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listStorage = defineReadTool({
  name: 'list_storage',
  description:
    'PersistentVolumeClaims (phase, size, class, bound volume, pods using them), PersistentVolumes and StorageClasses (provisioner, binding mode, expansion allowed, default).',
  input: z.object({ namespace: NamespaceName.optional() }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const [claims, volumes, classes, pods] = await Promise.all([
      ctx.reader.list('v1', 'PersistentVolumeClaim', namespace),
      ctx.reader.list('v1', 'PersistentVolume'),
      ctx.reader.list('storage.k8s.io/v1', 'StorageClass'),
      ctx.reader.listPods(namespace),
    ]);
    return {
      claims: claims.map((c) => ({
        namespace: c.metadata.namespace,
        name: c.metadata.name,
        phase: c.status?.phase ?? 'Pending',
        requested: c.spec?.resources?.requests?.storage,
        capacity: c.status?.capacity?.storage,
        storageClass: c.spec?.storageClassName,
        volume: c.spec?.volumeName,
        accessModes: c.spec?.accessModes,
        usedBy: pods
          .filter(
            (p) =>
              p.metadata.namespace === c.metadata.namespace &&
              (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === c.metadata.name),
          )
          .map((p) => p.metadata.name),
      })),
      volumes: volumes
        .filter((v) => !namespace || !v.spec?.claimRef || v.spec.claimRef.namespace === namespace)
        .map((v) => ({
          name: v.metadata.name,
          phase: v.status?.phase,
          capacity: v.spec?.capacity?.storage,
          storageClass: v.spec?.storageClassName,
          claim: v.spec?.claimRef ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` : null,
          reclaimPolicy: v.spec?.persistentVolumeReclaimPolicy,
        })),
      storageClasses: classes.map((c) => ({
        name: c.metadata.name,
        provisioner: c.provisioner,
        bindingMode: c.volumeBindingMode ?? 'Immediate',
        allowVolumeExpansion: Boolean(c.allowVolumeExpansion),
        default: c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
      })),
    };
  },
});
