import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** `../shared` beside the repository: real samples and reference answers, absent on some clones. */
export const SHARED_DIR = process.env.SHARED_DATA_DIR ?? fileURLToPath(new URL('../../../shared', import.meta.url));

/**
 * Committed copies of the small samples the route tests need (test/fixtures/shared/README.md: what,
 * from where, cut how), laid out as in `../shared`. They win over `../shared`, so a test runs on the
 * same bytes in every clone; test/helpers/shared.test.ts checks them against the originals.
 */
export const COMMITTED_DIR = fileURLToPath(new URL('../fixtures/shared', import.meta.url));

/** The committed copy of a sample when there is one, else its place in `../shared`. */
export function sharedPath(...parts: string[]): string {
  const committed = join(COMMITTED_DIR, ...parts);
  return existsSync(committed) ? committed : join(SHARED_DIR, ...parts);
}

/** The one line a CI run prints and fails with when a sample is absent (never a silent skip there). */
export function missingSharedLine(path: string): string {
  return `CI=true and ${path} is absent: the shared samples must be beside the repository in CI (or SHARED_DATA_DIR set)`;
}

/**
 * For node:test's `skip` option: false when the sample is there (committed or in `../shared`), a
 * message naming it when not. Under CI=true an absent sample throws instead: a CI run that silently
 * skips the real-data tests would stay green while testing less.
 */
export function skipWithoutShared(...parts: string[]): string | false {
  const p = sharedPath(...parts);
  if (existsSync(p)) return false;
  if (process.env.CI === 'true') throw new Error(missingSharedLine(p));
  return `needs ${p} (the shared samples are absent from this checkout)`;
}
