/**
 * Zip archives as distributed by IGN and the GPU (a shapefile's .shp/.dbf/.shx/.prj/.cpg zipped
 * together, often under sub-folders). yauzl reads the central directory, then streams each member
 * on demand without extracting anything to disk; several members may be open at once (a
 * shapefile's .shp and .dbf are read in lockstep).
 */
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import type { ByteSource } from './bytes.ts';

export interface ZipMember {
  /** Path inside the archive, with `/` separators. */
  path: string;
  size: number;
  compressedSize: number;
}

export interface ZipArchive {
  path: string;
  members: ZipMember[];
  source(member: ZipMember): ByteSource;
  close(): void;
}

export function isZipPath(p: string): boolean {
  return /\.zip$/i.test(p);
}

export async function openZip(path: string): Promise<ZipArchive> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: false }, (err, z) =>
      err ? reject(new Error(`${path}: not a readable zip archive (${err.message})`)) : resolve(z!),
    ),
  );
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/')) entries.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (e: Error) => reject(new Error(`${path}: corrupt zip archive (${e.message})`)));
    zip.readEntry();
  });
  const members = [...entries.values()].map((e) => ({ path: e.fileName, size: e.uncompressedSize, compressedSize: e.compressedSize }));
  return {
    path,
    members,
    source(m) {
      const entry = entries.get(m.path)!;
      const src: ByteSource = {
        name: `${path}/${m.path}`,
        size: m.size,
        bytesRead: 0,
        open: () =>
          new Promise<AsyncIterable<Buffer>>((resolve, reject) =>
            zip.openReadStream(entry, (err, stream) =>
              err ? reject(new Error(`${src.name}: cannot read (${err.message})`)) : resolve(stream as Readable),
            ),
          ),
      };
      return src;
    },
    close: () => zip.close(),
  };
}

/**
 * Limits on an uploaded archive, checked against its central directory before any member is
 * inflated (yauzl then checks every member inflates to exactly the size the directory declares).
 */
export interface ZipLimits {
  maxEntries: number;
  /** Sum of the declared uncompressed sizes of every member. */
  maxTotalBytes: number;
  /** Uncompressed / compressed size of one member, above `ratioFrom` bytes (small files compress well legitimately). */
  maxRatio: number;
  ratioFrom: number;
}

export class ZipRefused extends Error {}

/** A member name that would write outside a folder if extracted: absolute, drive letter, `..`, backslashes. */
export function unsafeEntryName(name: string): boolean {
  return name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.split('/').some((s) => s === '..') || name.includes('\0');
}

/**
 * Reads an uploaded zip held in memory, refusing zip bombs (entry count, total size, ratio) and
 * path traversal in member names before inflating anything; returns the members `wanted` keeps.
 */
export async function readZipUpload(buf: Buffer, limits: ZipLimits, wanted: (path: string) => boolean): Promise<{ path: string; data: Buffer }[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, z) =>
      err ? reject(new ZipRefused(`not a readable zip archive (${err.message})`)) : resolve(z!),
    ),
  );
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new ZipRefused(`${zip.entryCount} members: at most ${limits.maxEntries} are accepted`);
  }
  const entries: yauzl.Entry[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (unsafeEntryName(e.fileName)) return reject(new ZipRefused(`member ${JSON.stringify(e.fileName)}: path traversal refused`));
      total += e.uncompressedSize;
      if (total > limits.maxTotalBytes) return reject(new ZipRefused(`members inflate to more than ${limits.maxTotalBytes} bytes`));
      if (e.uncompressedSize > limits.ratioFrom && e.uncompressedSize / Math.max(e.compressedSize, 1) > limits.maxRatio)
        return reject(new ZipRefused(`member ${JSON.stringify(e.fileName)}: compression ratio above ${limits.maxRatio} (a zip bomb?)`));
      if (!e.fileName.endsWith('/')) entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (e: Error) =>
      reject(new ZipRefused(/relative path|absolute path|invalid characters/i.test(e.message) ? `path traversal refused (${e.message})` : `corrupt zip archive (${e.message})`)),
    );
    zip.readEntry();
  }).catch((e) => {
    zip.close();
    throw e;
  });
  const out: { path: string; data: Buffer }[] = [];
  try {
    for (const e of entries.filter((x) => wanted(x.fileName))) {
      const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(new ZipRefused(`${e.fileName}: ${err.message}`)) : resolve(s as Readable))));
      const chunks: Buffer[] = [];
      try {
        for await (const c of stream) chunks.push(c as Buffer);
      } catch (err) {
        throw new ZipRefused(`${e.fileName}: ${(err as Error).message}`);
      }
      out.push({ path: e.fileName, data: Buffer.concat(chunks) });
    }
  } finally {
    zip.close();
  }
  return out;
}
