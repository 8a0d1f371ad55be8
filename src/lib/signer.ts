import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** A key's public name, stored beside every MAC it made: which key to check it with after a rotation. */
export function keyIdOf(key: string): string {
  return `k${createHash('sha256').update('clusterclaw signing key id\0').update(key).digest('hex').slice(0, 12)}`;
}

export interface Signature {
  keyId: string;
  mac: string;
}

/**
 * HMAC-SHA256 with a key that is not in the database (CLAW_SIGNING_KEY): anyone who can write
 * the database cannot make a MAC that verifies. Signs with the current key; verifies with it and
 * with previous keys (CLAW_SIGNING_KEY_PREVIOUS), chosen by the key id stored with each MAC.
 */
export class Signer {
  readonly keyId: string;
  private readonly keys: Map<string, string>;

  constructor(current: string, previous: readonly string[] = []) {
    if (current.length < 32)
      throw new Error('a signing key needs at least 32 characters (e.g. `openssl rand -hex 32`)');
    this.keyId = keyIdOf(current);
    this.keys = new Map([...previous.map((k) => [keyIdOf(k), k] as const), [this.keyId, current]]);
  }

  /** Whether a MAC made with `keyId` can be checked here. */
  knows(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** HMAC of `value` (canonical JSON, or the string itself) with the current key. */
  sign(value: unknown): Signature {
    return { keyId: this.keyId, mac: this.macWith(this.keyId, value)! };
  }

  /** HMAC of `value` with the key named `keyId`; undefined when this process does not have that key. */
  macWith(keyId: string, value: unknown): string | undefined {
    const key = this.keys.get(keyId);
    if (key === undefined) return undefined;
    return createHmac('sha256', key)
      .update(typeof value === 'string' ? value : canonicalJson(value))
      .digest('hex');
  }

  /** Constant-time check of a stored MAC; false for an unknown key or a missing MAC. */
  verify(value: unknown, keyId: string | null | undefined, mac: string | null | undefined): boolean {
    if (!keyId || !mac) return false;
    const expected = this.macWith(keyId, value);
    if (expected === undefined || expected.length !== mac.length) return false;
    return timingSafeEqual(Buffer.from(expected), Buffer.from(mac));
  }
}
