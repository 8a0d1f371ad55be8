/** One field of a protobuf message as it is on the wire: its number, wire type and raw value. */
export interface WireField {
  number: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wireType: 0 | 1 | 2 | 5;
  /** varint and fixed values as bigint; length-delimited as its bytes. */
  value: bigint | Uint8Array;
}

/** A body that is not valid protobuf: where and why. */
export class WireError extends Error {}

/**
 * The fields of one protobuf message, in wire order (repeated fields appear once per element).
 * Schema-free: what a field means is the caller's table. Groups (wire types 3, 4) are refused:
 * Kubernetes' messages have none.
 */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new WireError(`truncated varint at byte ${i}`);
      if (shift > 63n) throw new WireError(`varint too long at byte ${i}`);
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wireType = key & 7;
    if (number === 0) throw new WireError(`field number 0 at byte ${i}`);
    if (wireType === 0) out.push({ number, wireType, value: varint() });
    else if (wireType === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new WireError(`field ${number} runs past the end (${len} bytes at ${i})`);
      out.push({ number, wireType, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (i + n > buf.length) throw new WireError(`field ${number} runs past the end`);
      let v = 0n;
      for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(buf[i + k]!);
      out.push({ number, wireType, value: v });
      i += n;
    } else throw new WireError(`wire type ${wireType} (field ${number}) is not used by Kubernetes`);
  }
  return out;
}

/** A varint as a signed 64-bit integer (int64, int32: two's complement). */
export function asSigned(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** Packed repeated scalars (proto3 style) or one value: the varints in a field. */
export function packedVarints(f: WireField): bigint[] {
  if (f.wireType === 0) return [f.value as bigint];
  if (f.wireType !== 2) throw new WireError(`field ${f.number}: not a varint`);
  const bytes = f.value as Uint8Array;
  const out: bigint[] = [];
  let i = 0;
  while (i < bytes.length) {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[i++];
      if (b === undefined) throw new WireError(`field ${f.number}: truncated packed varint`);
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    out.push(result);
  }
  return out;
}
