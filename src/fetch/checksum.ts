/** Hashing files on disk and reading the checksum files producers publish. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

export const HEX_LENGTH: Record<HashAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64 };

/** A checksum published by the producer for one file. */
export interface PublishedChecksum {
  algorithm: HashAlgorithm;
  value: string;
  /** Where it was read: a .md5 file URL, an API URL (shown in errors and in the manifest). */
  from: string;
}

/** Hashes a file in one read, with sha256 always and the extra algorithms asked for. */
export async function hashFile(path: string, extra: HashAlgorithm[] = []): Promise<Record<HashAlgorithm, string> & { size: number }> {
  const algos = [...new Set<HashAlgorithm>(['sha256', ...extra])];
  const hashes = algos.map((a) => [a, createHash(a)] as const);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    size += (chunk as Buffer).length;
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  const out = { size } as Record<HashAlgorithm, string> & { size: number };
  for (const [a, h] of hashes) out[a] = h.digest('hex');
  return out;
}

/**
 * Reads a checksum file in the `md5sum`/`sha256sum` layout (`<hex>  <name>` per line, `*name` for
 * binary mode) or a bare digest. Returns name → digest; a bare digest is keyed by the empty string.
 */
export function parseChecksumFile(text: string, algorithm: HashAlgorithm): Map<string, string> {
  const len = HEX_LENGTH[algorithm];
  const out = new Map<string, string>();
  const re = new RegExp(`^\\s*([0-9a-fA-F]{${len}})\\b\\s*\\*?(.*?)\\s*$`);
  // BSD layout: `MD5 (name) = <hex>`
  const bsd = new RegExp(`^\\s*${algorithm.toUpperCase()}\\s*\\((.+)\\)\\s*=\\s*([0-9a-fA-F]{${len}})\\s*$`, 'i');
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (!line.trim()) continue;
    const b = bsd.exec(line);
    if (b) {
      out.set(basename(b[1].trim()), b[2].toLowerCase());
      continue;
    }
    const m = re.exec(line);
    if (m) out.set(m[2] ? basename(m[2].replace(/\\/g, '/')) : '', m[1].toLowerCase());
  }
  return out;
}

/** The digest for `fileName` in a parsed checksum file: by name, else the only digest it holds. */
export function digestFor(parsed: Map<string, string>, fileName: string): string | undefined {
  const byName = parsed.get(fileName) ?? [...parsed].find(([k]) => k.toLowerCase() === fileName.toLowerCase())?.[1];
  if (byName) return byName;
  if (parsed.size === 1) {
    const [[name, digest]] = [...parsed];
    // A single line naming another file is not this file's checksum.
    if (name === '') return digest;
  }
  return undefined;
}
