/**
 * The manifest beside the downloaded files (`terroir-fetch.json` in each destination directory):
 * for every file, where it came from, its sha256, the validators the server gave (ETag,
 * Last-Modified) for conditional re-runs, and the published checksum it was verified against.
 * Written atomically (temp file + rename) so an interruption never leaves it half-written.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishedChecksum } from './checksum.ts';

export const MANIFEST_NAME = 'terroir-fetch.json';

export interface ManifestEntry {
  url: string;
  size: number;
  sha256: string;
  etag?: string;
  lastModified?: string;
  /** When the bytes were last downloaded. */
  fetchedAt: string;
  /** When the server was last asked whether they changed. */
  checkedAt: string;
  /** The producer's checksum the file matched, when one is published. */
  verified?: PublishedChecksum;
  /** Set once the archive was extracted, to the sha256 extracted (re-extract when it changes). */
  extractedSha256?: string;
  extractedTo?: string;
}

interface ManifestFile {
  format: 'terroir-fetch-manifest/1';
  files: Record<string, ManifestEntry>;
}

export class Manifest {
  readonly path: string;
  #data: ManifestFile;

  constructor(readonly dir: string) {
    this.path = join(dir, MANIFEST_NAME);
    this.#data = { format: 'terroir-fetch-manifest/1', files: {} };
    if (existsSync(this.path)) {
      try {
        const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as ManifestFile;
        if (parsed && typeof parsed.files === 'object') this.#data = { format: 'terroir-fetch-manifest/1', files: parsed.files };
      } catch (e) {
        throw new Error(`the manifest ${this.path} is not valid JSON (${(e as Error).message}); move it away to start afresh`);
      }
    }
  }

  get(name: string): ManifestEntry | undefined {
    return this.#data.files[name];
  }

  set(name: string, entry: ManifestEntry): void {
    this.#data.files[name] = entry;
    this.save();
  }

  delete(name: string): void {
    delete this.#data.files[name];
    this.save();
  }

  entries(): [string, ManifestEntry][] {
    return Object.entries(this.#data.files);
  }

  save(): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    const sorted = Object.fromEntries(Object.entries(this.#data.files).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(tmp, JSON.stringify({ format: this.#data.format, files: sorted }, null, 2) + '\n');
    renameSync(tmp, this.path);
  }
}
