/**
 * The PostGIS extension bundle the embedded database loads, trimmed to what Terroir uses.
 *
 * PGlite loads an extension by gunzipping its whole bundle and writing every file into its in-memory
 * file system, at every open. `@electric-sql/pglite-postgis` ships 95 MB (19.7 MB gzipped): PostGIS,
 * but also the raster and topology libraries (31 MB of WebAssembly), the tiger geocoder, and every
 * upgrade script. Terroir creates only `postgis`, so at most the library, PROJ's data and the
 * extension's install script are ever read. Opening the demo database measured on 2026-12-03 (2 cores,
 * load 1.9, docs/startup.md): 3.6–3.7 s to `PGlite.create` with the shipped bundle, 1.7–1.9 s with this
 * one (CPU until a first ST_Transform answered: 5.9–6.1 s → 3.7–4.2 s).
 *
 * The trimmed copy is derived from the installed package (its version and size are in the file name,
 * so an upgrade builds a new one), written once into the cache beside the prepared databases, and
 * used only if it could be written: any failure falls back to the package's bundle.
 *
 * Our own tar filter, not a tar library: the bundle is one plain (GNU/ustar) archive read from memory,
 * and the filter only copies the kept entries' 512-byte headers and data blocks as they are.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Extension } from '@electric-sql/pglite';

const BLOCK = 512;

/** Files PostGIS reads in Terroir: its library, PROJ's database and grids, the extension's control and install script. */
export function keepInBundle(path: string): boolean {
  return (
    path === 'lib/postgresql/postgis-3.so' ||
    path.startsWith('share/proj/') ||
    path === 'share/postgresql/extension/postgis.control' ||
    /^share\/postgresql\/extension\/postgis--\d+\.\d+\.\d+\.sql$/.test(path)
  );
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/**
 * The entries of an uncompressed tar whose path `keep` accepts, directories always (they cost one
 * block). A GNU long-name or pax header travels with the entry that follows it.
 */
export function filterTar(tar: Buffer, keep: (path: string) => boolean): Buffer {
  const out: Buffer[] = [];
  let pending: Buffer[] = [];
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const end = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (end > tar.length) throw new Error(`truncated tar entry at byte ${at}`);
    const entry = tar.subarray(at, end);
    at = end;
    if (type === 'L' || type === 'x' || type === 'K') {
      if (type === 'L') longName = field(entry.subarray(BLOCK), 0, size);
      pending.push(entry);
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (header.subarray(257, 262).toString() === 'ustar' && prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const path = name.replace(/^\.\//, '');
    if (type === '5' || keep(path)) out.push(...pending, entry);
    pending = [];
    longName = undefined;
  }
  out.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(out);
}

export function shippedBundle(): string {
  // The package's main file sits next to its bundle (dist/index.js, dist/postgis.tar.gz).
  const main = createRequire(import.meta.url).resolve('@electric-sql/pglite-postgis');
  return join(main, '..', 'postgis.tar.gz');
}

/** Where the trimmed bundle for the installed package lives (built by `trimmedPostgisBundle`). */
export function trimmedBundlePath(cacheDir: string): string {
  const shipped = shippedBundle();
  const pkg = JSON.parse(readFileSync(join(shipped, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return join(cacheDir, `postgis-${pkg.version}-${statSync(shipped).size}.tar.gz`);
}

/** The trimmed bundle's path, built now if missing; undefined when it cannot be (read-only cache, odd bundle). */
export function trimmedPostgisBundle(cacheDir: string): string | undefined {
  let target: string;
  try {
    target = trimmedBundlePath(cacheDir);
  } catch {
    return undefined;
  }
  if (existsSync(target)) return target;
  // Written aside then renamed: concurrent first opens (parallel tests) never read a partial file.
  const partial = `${target}.${process.pid}.partial`;
  try {
    const trimmed = filterTar(gunzipSync(readFileSync(shippedBundle())), keepInBundle);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(partial, gzipSync(trimmed));
    renameSync(partial, target);
    return target;
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // The directory itself is unusable: nothing was written.
    }
    return undefined;
  }
}

/** The PostGIS extension for PGlite, loading the trimmed bundle when there is one. */
export function postgisExtension(cacheDir: string): Extension {
  const bundle = trimmedPostgisBundle(cacheDir);
  if (!bundle) return postgis;
  return {
    name: postgis.name,
    setup: async (pg, emscriptenOpts) => ({ ...(await postgis.setup(pg, emscriptenOpts)), bundlePath: pathToFileURL(bundle) }),
  };
}
