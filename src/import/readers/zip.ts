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
