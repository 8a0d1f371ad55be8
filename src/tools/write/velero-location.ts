import { PlanError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { ToolContext } from '../define-tool.ts';

export const VELERO_API = 'velero.io/v1';

/**
 * The storage location a backup or restore would use (the one named, else the default), read
 * where Velero keeps it; refused, naming why, when Velero is not installed or the location cannot
 * take or serve backups — the backup would only fail validation.
 */
export async function usableLocation(
  ctx: ToolContext,
  opts: { name?: string; veleroNamespace?: string; forWriting: boolean },
): Promise<KubeObject> {
  if ((await ctx.reader.isNamespaced(VELERO_API, 'BackupStorageLocation').catch(() => undefined)) === undefined)
    throw new PlanError('this cluster does not serve velero.io BackupStorageLocations: is Velero installed?');
  const all = await ctx.reader.list(VELERO_API, 'BackupStorageLocation', opts.veleroNamespace);
  const bsl = opts.name ? all.find((l) => l.metadata.name === opts.name) : all.find((l) => l.spec?.default);
  if (!bsl)
    throw new PlanError(
      opts.name
        ? `there is no backup storage location ${opts.name}${opts.veleroNamespace ? ` in ${opts.veleroNamespace}` : ''}`
        : 'no backup storage location is marked default: name one (storageLocation)',
    );
  if (bsl.status?.phase !== 'Available')
    throw new PlanError(
      `backup storage location ${bsl.metadata.name} is ${bsl.status?.phase ?? 'not validated yet'}${bsl.status?.message ? `: ${bsl.status.message}` : ''}`,
    );
  if (opts.forWriting && bsl.spec?.accessMode === 'ReadOnly')
    throw new PlanError(`backup storage location ${bsl.metadata.name} is read-only: backups to it fail`);
  return bsl;
}

/** `payments-claw-20261207031500`: what `velero backup create` users name by hand, stamped. */
export function stampedName(prefix: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:T]/g, '');
  return `${prefix.slice(0, 63 - stamp.length - 1)}-${stamp}`;
}
