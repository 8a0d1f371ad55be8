// A memory cgroup with the Deployment's memory limit, so a benchmark replica sizes its V8 heap as
// it would in its pod: Node reads the cgroup limit (v1 or v2) and caps the heap at about half of it,
// where on a machine with plenty of memory it would let the heap grow lazily towards 4 GB.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const MANIFEST = join(import.meta.dirname, '..', 'manifests', 'base', 'deployment.yaml');

/** The claw container's `resources.limits.memory` in bytes, from manifests/base. */
export function deploymentMemoryLimit(): number {
  const d = parse(readFileSync(MANIFEST, 'utf8'));
  const claw =
    d.spec.template.spec.containers.find((c: { name: string }) => c.name === 'claw') ??
    d.spec.template.spec.containers[0];
  const q = String(claw.resources.limits.memory);
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) throw new Error(`cannot read memory limit ${q}`);
  return Number(m[1]) * { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? '']!;
}

export interface MemoryCgroup {
  limitBytes: number;
  /** `command` run inside the cgroup. */
  wrap(command: string[]): string[];
  remove(): void;
}

/** Creates the cgroup, or says why it cannot (not root, no writable memory controller). */
export function memoryCgroup(name: string, limitBytes: number): MemoryCgroup | { unavailable: string } {
  const candidates = [
    { dir: join('/sys/fs/cgroup/memory', name), file: 'memory.limit_in_bytes' }, // v1
    { dir: join('/sys/fs/cgroup', name), file: 'memory.max' }, // v2, unified at the root
  ];
  const errors: string[] = [];
  for (const c of candidates) {
    try {
      mkdirSync(c.dir, { recursive: true });
      writeFileSync(join(c.dir, c.file), String(limitBytes));
      return {
        limitBytes,
        wrap: (command) => ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', c.dir, ...command],
        remove: () => {
          try {
            rmdirSync(c.dir);
          } catch {}
        },
      };
    } catch (e) {
      errors.push(`${c.dir}: ${(e as Error).message}`);
      try {
        rmdirSync(c.dir);
      } catch {}
    }
  }
  return { unavailable: errors.join('; ') };
}
