/**
 * The parcel id served: HMAC-SHA-256 of the parcel's source key (farm and parcel numbers of a CartoBio
 * record; millésime and geometry of an anonymised RPG bio parcel) under a server secret, first 128
 * bits in hex. Without the secret it cannot be reversed, unlike the 2020 export's unsalted SHA-512 of
 * a 9-digit PACAGE (a billion candidates: minutes of brute force). The same secret gives the same ids
 * across answers and re-imports, so a body can follow a parcel from one extraction to the next.
 *
 * The secret: TERROIR_PSEUDONYM_KEY (required on PostgreSQL, where several nodes must agree); on
 * the embedded backend, generated once and kept in `<TERROIR_DATA_DIR>/pseudonym.key` (mode 0600).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PSEUDONYM_FILE = 'pseudonym.key';

export function pseudonym(secret: Buffer, sourceKey: string): string {
  return createHmac('sha256', secret).update(sourceKey).digest('hex').slice(0, 32);
}

/** Reads the data directory's key, or creates it (exclusive create: two starting processes keep one key). */
function fileSecret(dataDir: string): Buffer {
  const path = join(dataDir, PSEUDONYM_FILE);
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

/**
 * The secret for this deployment, or null when none may be used (PostgreSQL without
 * TERROIR_PSEUDONYM_KEY: the routes then answer 503 rather than ids a second node would not share).
 */
export function pseudonymSecret(config: { pseudonymKey?: string; dataDir: string }, backend: 'pglite' | 'postgres'): Buffer | null {
  if (config.pseudonymKey) return Buffer.from(config.pseudonymKey, 'utf8');
  if (backend === 'postgres') return null;
  return fileSecret(config.dataDir);
}
