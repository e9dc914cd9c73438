import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** `../shared` beside the repository: real samples and reference answers, absent on some clones. */
export const SHARED_DIR = process.env.SHARED_DATA_DIR ?? fileURLToPath(new URL('../../../shared', import.meta.url));

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

/** For node:test's `skip` option: a message when the sample is absent, false when it is there. */
export function skipWithoutShared(...parts: string[]): string | false {
  const p = sharedPath(...parts);
  return existsSync(p) ? false : `needs ${p} (the shared samples are absent from this checkout)`;
}
