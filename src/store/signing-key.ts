import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Signer } from '../lib/signer.ts';

/**
 * The store's signer: CLAW_SIGNING_KEY when set; with the embedded store, a key generated once into
 * the data dir (one local user, like the store itself); in memory, a key for the process's life.
 * A shared store without the key has none: signing refuses, with SigningKeyMissing.
 */
export function storeSigner(opts: {
  key?: string;
  previous?: readonly string[];
  shared: boolean;
  memory?: boolean;
  dataDir: string;
}): Signer | undefined {
  if (opts.key) return new Signer(opts.key, opts.previous);
  if (opts.shared) return undefined;
  if (opts.memory) return new Signer(randomBytes(32).toString('hex'), opts.previous);
  const file = join(opts.dataDir, 'signing.key');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return new Signer(readFileSync(file, 'utf8').trim(), opts.previous);
}
