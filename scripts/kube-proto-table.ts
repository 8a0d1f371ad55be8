/**
 * Writes src/sandbox/protobuf/kube-proto.data.ts: the field numbers and types of Kubernetes'
 * built-in messages, read from the protobuf descriptors a kubectl binary embeds (client-go's
 * generated code keeps each generated.proto as a gzipped FileDescriptorProto). No package ships
 * these schemas; the numbers are API facts and never change for a field once released.
 *
 *   node scripts/kube-proto-table.ts [path/to/kubectl]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFields, type WireField } from '../src/sandbox/protobuf/wire.ts';

const OUT = join(import.meta.dirname, '..', 'src', 'sandbox', 'protobuf', 'kube-proto.data.ts');
/** The API groups whose kinds kubectl, helm and client-go send as protobuf, and the meta types. */
const PACKAGES = [
  'k8s.io.api.core.v1',
  'k8s.io.api.apps.v1',
  'k8s.io.api.batch.v1',
  'k8s.io.api.rbac.v1',
  'k8s.io.api.policy.v1',
  'k8s.io.api.scheduling.v1',
  'k8s.io.api.networking.v1',
  'k8s.io.api.authentication.v1',
  'k8s.io.api.authorization.v1',
  'k8s.io.api.autoscaling.v1',
  'k8s.io.api.autoscaling.v2',
  'k8s.io.api.coordination.v1',
  'k8s.io.api.storage.v1',
  'k8s.io.api.discovery.v1',
  'k8s.io.api.events.v1',
  'k8s.io.apimachinery.pkg.apis.meta.v1',
];
const TYPES: Record<number, string> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  14: 'int32',
  17: 'sint32',
  18: 'sint64',
};

const str = (f: WireField | undefined) => (f ? Buffer.from(f.value as Uint8Array).toString('utf8') : '');
const num = (f: WireField | undefined) => (f ? Number(f.value as bigint) : 0);
const short = (fqn: string) =>
  fqn
    .replace(/^\./, '')
    .replace(/^k8s\.io\.api\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\./, 'apimachinery.');

interface Msg {
  fields: { name: string; number: number; repeated: boolean; type: string }[];
  mapEntry: boolean;
}
const messages = new Map<string, Msg>();

function collect(desc: Uint8Array, scope: string): void {
  const f = readFields(desc);
  const name = `${scope}.${str(f.find((x) => x.number === 1))}`;
  const options = f.find((x) => x.number === 7);
  const mapEntry = options
    ? readFields(options.value as Uint8Array).some((o) => o.number === 7 && o.value === 1n)
    : false;
  const fields = f
    .filter((x) => x.number === 2)
    .map((x) => {
      const ff = readFields(x.value as Uint8Array);
      const type = num(ff.find((y) => y.number === 5));
      const typeName = str(ff.find((y) => y.number === 6));
      return {
        name: str(ff.find((y) => y.number === 1)),
        number: num(ff.find((y) => y.number === 3)),
        repeated: num(ff.find((y) => y.number === 4)) === 3,
        type: type === 11 ? short(typeName) : (TYPES[type] ?? `unknown${type}`),
      };
    });
  messages.set(short(name), { fields, mapEntry });
  for (const nested of f.filter((x) => x.number === 3)) collect(nested.value as Uint8Array, name);
}

const kubectl = realpathSync(process.argv[2] ?? execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim());
const binary = readFileSync(kubectl);
const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
for (let at = binary.indexOf(magic); at >= 0; at = binary.indexOf(magic, at + 1)) {
  let file: Buffer;
  try {
    file = gunzipSync(binary.subarray(at, at + 4_000_000), { finishFlush: 2 });
  } catch {
    continue;
  }
  let f: WireField[];
  try {
    f = readFields(file);
  } catch {
    continue;
  }
  const pkg = str(f.find((x) => x.number === 2));
  if (!PACKAGES.includes(pkg)) continue;
  for (const m of f.filter((x) => x.number === 4)) collect(m.value as Uint8Array, pkg);
}

// Every message of those packages, and what their fields reach.
const wanted = new Set<string>();
const visit = (name: string) => {
  if (wanted.has(name)) return;
  const m = messages.get(name);
  if (!m) throw new Error(`no descriptor for ${name}`);
  wanted.add(name);
  for (const f of m.fields) if (messages.has(f.type)) visit(f.type);
};
for (const name of messages.keys()) if (PACKAGES.some((p) => name.startsWith(short(p)))) visit(name);

/** A field: `name type` with `[]` when repeated, `{K:V}` for a map. */
const render = (m: Msg): Record<number, string> =>
  Object.fromEntries(
    m.fields.map((f) => {
      const entry = messages.get(f.type);
      if (entry?.mapEntry) {
        const k = entry.fields.find((x) => x.number === 1)!.type;
        const v = entry.fields.find((x) => x.number === 2)!.type;
        return [f.number, `${f.name} {${k}:${v}}`];
      }
      return [f.number, `${f.name} ${f.type}${f.repeated ? '[]' : ''}`];
    }),
  );
const table = Object.fromEntries(
  [...wanted]
    .filter((n) => !messages.get(n)!.mapEntry)
    .sort()
    .map((n) => [n, render(messages.get(n)!)]),
);
writeFileSync(
  OUT,
  `// Generated by scripts/kube-proto-table.ts from the descriptors kubectl ${
    execFileSync(kubectl, ['version', '--client', '-o', 'json'])
      .toString()
      .match(/"gitVersion":\s*"([^"]+)"/)?.[1] ?? ''
  } embeds. Do not edit.
// Kubernetes' built-in messages: field number → "name type" ("T[]" repeated, "{K:V}" a map).
// Message names drop "k8s.io.api." and shorten "k8s.io.apimachinery.pkg." to "apimachinery.".
export const KUBE_MESSAGES: Record<string, Record<number, string>> = ${JSON.stringify(table, null, 1)};
`,
);
console.log(`${Object.keys(table).length} messages → ${OUT}`);
