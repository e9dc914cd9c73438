/**
 * From the command line's file arguments to readable sources: loose shapefiles (sidecars found
 * whatever the case of their extension), shapefiles or GeoJSON inside zip archives or directories,
 * GeoJSON (plain, .gz, sequences). Each source knows its physical files (for the checksum), its
 * declared CRS (.prj / `crs`) and streams SourceFeatures.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Queryable } from '../db/database.ts';
import { readGeojson, isGeojsonPath, GEOJSON_SEQ_RE, type GeojsonState } from './readers/geojson.ts';
import { encodingFromCpg } from './readers/shapefile-dbf.ts';
import { readShapefile, type ShapefileState } from './readers/shapefile.ts';
import { isZipPath, openZip, type ZipArchive } from './readers/zip.ts';
import { GPKG_RE, openGpkg } from './readers/gpkg.ts';
import { fileSource, readAll, type ByteSource } from './readers/bytes.ts';
import { resolveWktSrid, sridFromGeojsonCrs } from './crs.ts';
import { ImportError } from './readers/errors.ts';
import type { SourceFeature } from './readers/feature.ts';

export type SourceFormat = 'shapefile' | 'geojson' | 'gpkg';

export interface OpenedSource {
  /** Features, streamed. */
  features: AsyncIterable<SourceFeature>;
  /** The CRS the source declares, known before the first feature for shapefiles; may change while a GeoJSON is read (a trailing `crs`). */
  srid(): number | undefined;
  /** How the CRS was found, for the summary: `.prj: RGF93_Lambert_93`, `crs member`, `--srid`. */
  crsNote(): string;
  /** Features announced by the source (a .dbf header), when known: the progress bar's total. */
  expected(): number | undefined;
  /** Text encoding used (.dbf), once known. */
  encoding(): string | undefined;
}

export interface ImportSource {
  /** What ImportContext.file receives: a path, or `archive.zip/member/path.shp`. */
  label: string;
  format: SourceFormat;
  /** The stream progress is measured on (.shp, the .json/.gz). */
  main: ByteSource;
  /** Files on disk this source reads (an archive once): their sha256 is the dataset checksum. */
  files: string[];
  open(db: Queryable, opts: { encoding?: string }): Promise<OpenedSource>;
}

const SHP_RE = /\.shp$/i;
const SIDECAR_RE = /\.(dbf|shx|prj|cpg|qpj|idx|sbn|sbx|qix|qmd|xml)$/i;

function stem(p: string): string {
  return p.replace(/\.[^./\\]+$/, '');
}

/** A sidecar of `shpPath` among `names` whatever its case, preferring the .shp's own case. */
function sidecar(shpPath: string, names: string[], ext: string): string | undefined {
  const base = stem(shpPath);
  const upper = /\.SHP$/.test(shpPath);
  const found = names.filter((n) => stem(n).toLowerCase() === base.toLowerCase() && n.slice(base.length).toLowerCase() === `.${ext}`);
  return found.find((n) => (upper ? n.endsWith(ext.toUpperCase()) : n.endsWith(ext))) ?? found[0];
}

function shapefileSource(
  label: string,
  files: string[],
  parts: { shp: ByteSource; dbf?: ByteSource; prj?: ByteSource; cpg?: ByteSource },
): ImportSource {
  return {
    label,
    format: 'shapefile',
    main: parts.shp,
    files,
    async open(db, opts) {
      if (!parts.dbf) throw new ImportError('no .dbf beside the .shp (a shapefile needs both)', label);
      let srid: number | undefined;
      let note = 'no .prj';
      if (parts.prj) {
        const wkt = (await readAll(parts.prj)).toString('latin1').trim();
        srid = await resolveWktSrid(db, wkt);
        note = `.prj ${wkt.slice(0, 60)}${wkt.length > 60 ? '…' : ''}`;
      }
      let encoding = opts.encoding;
      if (!encoding && parts.cpg) {
        const cpg = (await readAll(parts.cpg)).toString('latin1');
        try {
          encoding = encodingFromCpg(cpg);
        } catch (e) {
          throw new ImportError(`${(e as Error).message} in the .cpg; pass --encoding`, label);
        }
      }
      const state: ShapefileState = { encoding };
      return {
        features: readShapefile({ shp: parts.shp, dbf: parts.dbf }, { encoding, state }),
        srid: () => srid,
        crsNote: () => note,
        expected: () => state.records,
        encoding: () => state.encoding,
      };
    },
  };
}

function geojsonSource(label: string, files: string[], src: ByteSource): ImportSource {
  return {
    label,
    format: 'geojson',
    main: src,
    files,
    async open() {
      const state: GeojsonState = { features: 0 };
      return {
        features: readGeojson(src, { state, sequence: GEOJSON_SEQ_RE.test(src.name) || undefined }),
        srid: () => sridFromGeojsonCrs(state.crs),
        crsNote: () => (state.crs === undefined ? 'no crs member (RFC 7946: WGS84)' : `crs ${JSON.stringify(state.crs).slice(0, 80)}`),
        expected: () => undefined,
        encoding: () => 'utf-8',
      };
    },
  };
}

/** One feature table of a GeoPackage (label `file.gpkg/TABLE`). */
function gpkgSource(path: string, table: string): ImportSource {
  const label = `${path}/${table}`;
  return {
    label,
    format: 'gpkg',
    main: fileSource(path),
    files: [path],
    async open(db) {
      const g = openGpkg(path);
      const layer = g.layers.find((l) => l.table === table)!;
      g.close();
      const srid = layer.srid ?? (layer.definition ? await resolveWktSrid(db, layer.definition) : undefined);
      return {
        features: (async function* () {
          const reader = openGpkg(path);
          try {
            yield* reader.features(table);
          } finally {
            reader.close();
          }
        })(),
        srid: () => srid,
        crsNote: () => (layer.srid ? `gpkg_spatial_ref_sys EPSG:${layer.srid}` : layer.definition ? `gpkg_spatial_ref_sys ${layer.definition.slice(0, 60)}…` : 'no CRS in gpkg_spatial_ref_sys'),
        expected: () => layer.count,
        encoding: () => 'utf-8',
      };
    },
  };
}

function isMain(name: string): boolean {
  return SHP_RE.test(name) || (isGeojsonPath(name) && !/\.(xml|qmd)$/i.test(name));
}

/** Globs as users type them (`*.shp`, `**\/ZONE_URBA*`), matched case-insensitively against a path or its base name. */
export function globToRegExp(glob: string): RegExp {
  const re = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c))
    .join('');
  return new RegExp(`^${re}$`, 'i');
}

export interface ResolveOptions {
  /** --entry: which members of an archive or directory to read. */
  entry?: string;
  /** ImportTarget.match: the target's own filter for archives and directories. */
  match?: RegExp;
}

export interface ResolvedSources {
  sources: ImportSource[];
  close(): void;
}

function choose(container: string, candidates: string[], opts: ResolveOptions): string[] {
  let picked = candidates;
  if (opts.entry) {
    const re = globToRegExp(opts.entry);
    picked = candidates.filter((c) => re.test(c) || re.test(basename(c)));
  } else if (opts.match) picked = candidates.filter((c) => opts.match!.test(basename(c)));
  if (!picked.length)
    throw new ImportError(
      `no importable file${opts.entry ? ` matching --entry ${opts.entry}` : opts.match ? ` matching ${opts.match}` : ''} (found: ${candidates.join(', ') || 'nothing'})`,
      container,
    );
  if (picked.length > 1 && !opts.entry && !opts.match)
    throw new ImportError(`holds several layers (${picked.join(', ')}): choose with --entry`, container);
  return picked;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Turns file arguments into sources. Sidecars named on the command line beside their .shp are folded in. */
export async function resolveSources(paths: string[], opts: ResolveOptions = {}): Promise<ResolvedSources> {
  const zips: ZipArchive[] = [];
  const sources: ImportSource[] = [];
  const seen = new Set<string>();
  const close = () => zips.forEach((z) => z.close());
  try {
    const addLoose = (p: string) => {
      const dir = dirname(p);
      const names = readdirSync(dir).map((n) => join(dir, n));
      if (SHP_RE.test(p)) {
        const key = stem(p).toLowerCase();
        if (seen.has(key)) return;
        seen.add(key);
        const side = (ext: string) => sidecar(p, names, ext);
        const [dbf, prj, cpg, shx] = ['dbf', 'prj', 'cpg', 'shx'].map(side);
        sources.push(
          shapefileSource(p, [p, shx, dbf, prj, cpg].filter((x): x is string => !!x), {
            shp: fileSource(p),
            dbf: dbf ? fileSource(dbf) : undefined,
            prj: prj ? fileSource(prj) : undefined,
            cpg: cpg ? fileSource(cpg) : undefined,
          }),
        );
      } else if (GPKG_RE.test(p)) {
        if (seen.has(p)) return;
        seen.add(p);
        const g = openGpkg(p);
        const tables = g.layers.map((l) => l.table);
        g.close();
        for (const t of choose(p, tables, opts)) sources.push(gpkgSource(p, t));
      } else if (isGeojsonPath(p)) {
        if (seen.has(p)) return;
        seen.add(p);
        sources.push(geojsonSource(p, [p], fileSource(p)));
      } else if (SIDECAR_RE.test(p)) {
        const shp = names.find((n) => SHP_RE.test(n) && stem(n).toLowerCase() === stem(p).toLowerCase());
        if (!shp) throw new ImportError('a sidecar file without its .shp (import a shapefile through its .shp)', p);
        if (!paths.some((q) => q === shp)) addLoose(shp);
      } else throw new ImportError('unsupported format (expected .shp, .gpkg, .zip, .geojson/.json[.gz], .ndjson/.geojsonl, or a directory)', p);
    };
    for (const p of paths) {
      let st;
      try {
        st = statSync(p);
      } catch {
        throw new ImportError('no such file', p);
      }
      if (st.isDirectory()) {
        const files = walk(p);
        const mains = files.filter((f) => isMain(f) || GPKG_RE.test(f)).map((f) => relative(p, f));
        for (const m of choose(p, mains, opts)) addLoose(join(p, m));
      } else if (isZipPath(p)) {
        const zip = await openZip(p);
        zips.push(zip);
        const names = zip.members.map((m) => m.path);
        for (const m of choose(p, names.filter(isMain), opts)) {
          const member = (n: string | undefined) => (n ? zip.members.find((x) => x.path === n) : undefined);
          const src = (n: string | undefined) => {
            const mm = member(n);
            return mm ? zip.source(mm) : undefined;
          };
          if (SHP_RE.test(m)) {
            sources.push(
              shapefileSource(`${p}/${m}`, [p], {
                shp: src(m)!,
                dbf: src(sidecar(m, names, 'dbf')),
                prj: src(sidecar(m, names, 'prj')),
                cpg: src(sidecar(m, names, 'cpg')),
              }),
            );
          } else sources.push(geojsonSource(`${p}/${m}`, [p], src(m)!));
        }
      } else addLoose(p);
    }
    if (!sources.length) throw new ImportError('no file to import');
    return { sources, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** sha256 over the bytes of `files`, in order (each file once). */
export async function checksumFiles(files: string[]): Promise<{ checksum: string; perFile: { file: string; bytes: number; sha256: string }[] }> {
  const all = createHash('sha256');
  const perFile: { file: string; bytes: number; sha256: string }[] = [];
  for (const f of [...new Set(files)]) {
    const one = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) {
      all.update(chunk as Buffer);
      one.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    perFile.push({ file: f, bytes, sha256: one.digest('hex') });
  }
  return { checksum: all.digest('hex'), perFile };
}
