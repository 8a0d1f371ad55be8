import { KUBE_MESSAGES } from './kube-proto.data.ts';
import { asSigned, packedVarints, readFields, WireError, type WireField } from './wire.ts';

/** `k8s\0`: the magic before every protobuf body the API server takes. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** A protobuf body the sandbox cannot read: why, for a 415 or a 400. */
export class KubeProtobufError extends Error {
  readonly unsupported: boolean;
  constructor(message: string, unsupported = false) {
    super(message);
    this.unsupported = unsupported;
  }
}

/**
 * Fields Go embeds (`json:",inline"`): their fields belong to the parent object in JSON. The
 * protobuf keeps them as one nested message, named after the embedded type (or, for Probe's
 * handler, after its old name).
 */
const INLINE = new Set([
  'localObjectReference',
  'ephemeralContainerCommon',
  'persistentVolumeSource',
  'volumeSource',
  'ingressRuleValue',
  'core.v1.Probe handler',
]);

/**
 * Go marshals every non-pointer field, zero or not, and a pointer field only when set: so on the
 * wire a zero can mean "unset" (a plain field) or "zero" (a pointer). The API server's Go structs
 * do not care; JSON readers do (`protocol: ""` is not defaulted to TCP). Zeros ("" , 0, false)
 * are dropped, except in these fields, pointers whose zero means something (replicas: 0, runAsUser:
 * 0, automountServiceAccountToken: false…), or plain fields whose zero is a real value.
 */
const KEEP_ZERO = new Set([
  'replicas',
  'parallelism',
  'completions',
  'backoffLimit',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'terminationGracePeriodSeconds',
  'deletionGracePeriodSeconds',
  'gracePeriodSeconds',
  'automountServiceAccountToken',
  'enableServiceLinks',
  'allowPrivilegeEscalation',
  'runAsNonRoot',
  'privileged',
  'readOnlyRootFilesystem',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'suspend',
  'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit',
  'startingDeadlineSeconds',
  'minReplicas',
  'targetCPUUtilizationPercentage',
  'optional',
  'defaultMode',
  'mode',
  'expirationSeconds',
  'immutable',
  'hostUsers',
  'shareProcessNamespace',
  'setHostnameAsFQDN',
  'priority',
  'value',
  'allowed',
  'denied',
  'orphanDependents',
]);

const isZero = (v: Json) => v === '' || v === 0 || v === false;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Messages whose JSON form is not an object of their fields. */
const SPECIAL: Record<string, (f: WireField[]) => Json> = {
  'apimachinery.apis.meta.v1.Time': (f) => time(f, false),
  'apimachinery.apis.meta.v1.MicroTime': (f) => time(f, true),
  'apimachinery.api.resource.Quantity': (f) => text(f.find((x) => x.number === 1)),
  'apimachinery.util.intstr.IntOrString': (f) => {
    const type = Number((f.find((x) => x.number === 1)?.value as bigint | undefined) ?? 0n);
    if (type === 1) return text(f.find((x) => x.number === 3));
    return Number(asSigned((f.find((x) => x.number === 2)?.value as bigint | undefined) ?? 0n));
  },
  'apimachinery.runtime.RawExtension': (f) => rawJson(f.find((x) => x.number === 1)),
  'apimachinery.apis.meta.v1.FieldsV1': (f) => rawJson(f.find((x) => x.number === 1)),
  'apimachinery.apis.meta.v1.Duration': (f) =>
    goDuration(asSigned((f.find((x) => x.number === 1)?.value as bigint | undefined) ?? 0n)),
};

/**
 * A Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`: the magic, then a
 * `runtime.Unknown` naming the apiVersion and kind and holding the object's bytes) as the JSON
 * object the same request would have sent. The schemas are the field tables of kube-proto.data.ts.
 */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, Json> {
  if (body.length < 4 || !MAGIC.equals(Buffer.from(body.subarray(0, 4))))
    throw new KubeProtobufError('the protobuf body does not start with the Kubernetes magic (k8s\\0)');
  try {
    const unknown = readFields(body.subarray(4));
    const typeMeta = readFields(bytesOf(unknown.find((f) => f.number === 1)));
    const apiVersion = text(typeMeta.find((f) => f.number === 1));
    const kind = text(typeMeta.find((f) => f.number === 2));
    const encoding = text(unknown.find((f) => f.number === 3));
    if (encoding) throw new KubeProtobufError(`content encoding ${encoding} is not supported`, true);
    const name = messageOf(apiVersion, kind);
    if (!name)
      throw new KubeProtobufError(
        `protobuf bodies of ${apiVersion} ${kind} are not known to the sandbox: send JSON`,
        true,
      );
    return { apiVersion, kind, ...(decode(name, bytesOf(unknown.find((f) => f.number === 2))) as object) };
  } catch (e) {
    if (e instanceof WireError) throw new KubeProtobufError(`the protobuf body is malformed: ${e.message}`);
    throw e;
  }
}

/** `apps/v1` Deployment → `apps.v1.Deployment`; `v1` → core; `meta.k8s.io/v1` → the meta types. */
function messageOf(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = group === '' ? 'core' : group === 'meta.k8s.io' ? 'apimachinery.apis.meta' : group!.split('.')[0];
  const name = `${pkg}.${version}.${kind}`;
  if (KUBE_MESSAGES[name]) return name;
  // Options bodies (DeleteOptions) say `v1` of the group they are sent to: they are meta's.
  const meta = `apimachinery.apis.meta.v1.${kind}`;
  return KUBE_MESSAGES[meta] ? meta : undefined;
}

function decode(name: string, bytes: Uint8Array): Json {
  const fields = readFields(bytes);
  const special = SPECIAL[name];
  if (special) return special(fields);
  const table = KUBE_MESSAGES[name];
  if (!table) throw new KubeProtobufError(`no schema for ${name}`, true);
  const out: { [k: string]: Json } = {};
  for (const f of fields) {
    const spec = table[f.number];
    // A field newer than our table: the real server would know it; dropping it loses only that field.
    if (!spec) continue;
    const [field, type] = spec.split(' ') as [string, string];
    const map = /^\{(\w+):(.+)\}$/.exec(type);
    if (map) {
      const entry = readFields(bytesOf(f));
      const key = scalar(
        map[1]!,
        entry.find((x) => x.number === 1),
      );
      const current = (out[field] ?? {}) as { [k: string]: Json };
      current[String(key)] = value(
        map[2]!,
        entry.find((x) => x.number === 2),
      );
      out[field] = current;
    } else if (type.endsWith('[]')) {
      const element = type.slice(0, -2);
      const list = (out[field] ?? []) as Json[];
      if (isScalar(element) && f.wireType === 2 && element !== 'string' && element !== 'bytes')
        for (const v of packedVarints(f)) list.push(scalar(element, { ...f, wireType: 0, value: v }));
      else list.push(value(element, f));
      out[field] = list;
    } else if (INLINE.has(field) || INLINE.has(`${name} ${field}`)) Object.assign(out, value(type, f) as object);
    else {
      const v = value(type, f);
      if (!isZero(v) || KEEP_ZERO.has(field)) out[field] = v;
    }
  }
  return out;
}

function value(type: string, f: WireField | undefined): Json {
  if (!f) return isScalar(type) ? scalar(type, undefined) : null;
  return isScalar(type) ? scalar(type, f) : decode(type, bytesOf(f));
}

const SCALARS = new Set([
  'string',
  'bytes',
  'bool',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'double',
  'float',
]);
const isScalar = (t: string) => SCALARS.has(t);

function scalar(type: string, f: WireField | undefined): Json {
  if (type === 'string') return f ? text(f) : '';
  if (type === 'bytes') return f ? Buffer.from(bytesOf(f)).toString('base64') : '';
  const v = (f?.value as bigint | undefined) ?? 0n;
  switch (type) {
    case 'bool':
      return v !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, v));
    case 'int64':
      return Number(asSigned(v));
    case 'sint32':
    case 'sint64':
      return Number((v >> 1n) ^ -(v & 1n));
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v);
      return b.readDoubleLE();
    }
    case 'float': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(v));
      return b.readFloatLE();
    }
    default:
      return Number(v);
  }
}

function bytesOf(f: WireField | undefined): Uint8Array {
  if (!f) return new Uint8Array();
  if (f.wireType !== 2) throw new KubeProtobufError(`field ${f.number} should hold bytes`);
  return f.value as Uint8Array;
}

const text = (f: WireField | undefined) => (f ? Buffer.from(bytesOf(f)).toString('utf8') : '');

function rawJson(f: WireField | undefined): Json {
  if (!f) return null;
  try {
    return JSON.parse(text(f)) as Json;
  } catch {
    throw new KubeProtobufError('an embedded object is not JSON');
  }
}

/** Time and MicroTime: RFC 3339 (microseconds for MicroTime); the zero time is JSON's null. */
function time(f: WireField[], micro: boolean): Json {
  const seconds = asSigned((f.find((x) => x.number === 1)?.value as bigint | undefined) ?? 0n);
  const nanos = Number((f.find((x) => x.number === 2)?.value as bigint | undefined) ?? 0n);
  if (seconds === 0n && nanos === 0) return null;
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d+Z$/, '');
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** Go's time.Duration string: 1h2m3.5s, 150ms, 0s. */
function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let n = neg ? -ns : ns;
  if (n < 1_000_000_000n) return `${neg ? '-' : ''}${Number(n) / 1e6}ms`;
  const h = n / 3_600_000_000_000n;
  n %= 3_600_000_000_000n;
  const m = n / 60_000_000_000n;
  n %= 60_000_000_000n;
  const s = Number(n) / 1e9;
  return `${neg ? '-' : ''}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
