/**
 * GeoPackage reader (OGC 12-128r18), streamed, in plain JavaScript: a GeoPackage is an SQLite file,
 * and reading a table of it only needs the SQLite file format's table B-trees (documented, stable
 * since 2004): pages are read one at a time with positional reads, the tree walked depth-first, so
 * memory stays bounded whatever the size of the file. Why not a library: see docs/import.md
 * (@ngageoint/geopackage needs a native better-sqlite3 or loads the whole file into memory; Node's
 * own node:sqlite comes with Node 22.5).
 *
 * What is read: the feature tables listed in gpkg_contents with their gpkg_geometry_columns entry,
 * the CRS from gpkg_spatial_ref_sys, the columns from the table's CREATE TABLE statement, and the
 * rows in rowid (fid) order. The geometry blobs' standard WKB goes to the engine as is (2D forced by
 * PostGIS), the GeoJSON geometry is decoded only if a target reads it. Not read: a -wal file beside
 * the database (uncommitted writes of an open session: checkpoint it first), WITHOUT ROWID tables.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { SourceError } from './errors.ts';
import type { SourceFeature } from './feature.ts';

type Geometry = SourceFeature['geometry'];

export const GPKG_RE = /\.gpkg$/i;

class Pager {
  readonly fd: number;
  readonly pageSize: number;
  readonly usable: number;
  readonly pages: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    const h = Buffer.alloc(100);
    if (readSync(this.fd, h, 0, 100, 0) < 100 || h.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
      closeSync(this.fd);
      throw new SourceError('not an SQLite/GeoPackage file');
    }
    const ps = h.readUInt16BE(16);
    this.pageSize = ps === 1 ? 65536 : ps;
    this.usable = this.pageSize - h[20];
    if (h.readUInt32BE(56) > 1) {
      closeSync(this.fd);
      throw new SourceError('SQLite text encoding other than UTF-8 (GeoPackage requires UTF-8)');
    }
    this.pages = Math.floor(fstatSync(this.fd).size / this.pageSize);
  }
  page(n: number): Buffer {
    if (n < 1 || n > this.pages) throw new SourceError(`corrupt GeoPackage: page ${n} is outside the file (${this.pages} pages)`);
    const b = Buffer.allocUnsafe(this.pageSize);
    const got = readSync(this.fd, b, 0, this.pageSize, (n - 1) * this.pageSize);
    if (got < this.pageSize) throw new SourceError(`corrupt GeoPackage: page ${n} is truncated`);
    return b;
  }
  close() {
    closeSync(this.fd);
  }
}

function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = b[at + i];
    v = v * 128 + (c & 0x7f);
    if (c < 0x80) return [v, i + 1];
  }
  return [v * 256 + b[at + 8], 9];
}

/** The payload of a table-leaf cell, following overflow pages when it does not fit in the page. */
function cellPayload(p: Pager, page: Buffer, at: number): { rowid: number; payload: Buffer } {
  const [size, n1] = varint(page, at);
  const [rowid, n2] = varint(page, at + n1);
  const start = at + n1 + n2;
  const U = p.usable;
  const X = U - 35;
  if (size <= X) return { rowid, payload: page.subarray(start, start + size) };
  const M = Math.floor(((U - 12) * 32) / 255) - 23;
  const K = M + ((size - M) % (U - 4));
  const local = K <= X ? K : M;
  const out = Buffer.allocUnsafe(size);
  page.copy(out, 0, start, start + local);
  let filled = local;
  let next = page.readUInt32BE(start + local);
  while (filled < size) {
    if (!next) throw new SourceError(`corrupt GeoPackage: overflow chain of row ${rowid} ends early`);
    const ov = p.page(next);
    const take = Math.min(U - 4, size - filled);
    ov.copy(out, filled, 4, 4 + take);
    filled += take;
    next = ov.readUInt32BE(0);
  }
  return { rowid, payload: out };
}

/** Rows of a table B-tree, in rowid order, depth-first (one page per level held). */
function* tableRows(p: Pager, root: number): Generator<{ rowid: number; payload: Buffer }> {
  const stack: number[] = [root];
  const seen = new Set<number>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) throw new SourceError(`corrupt GeoPackage: page ${n} is linked twice`);
    seen.add(n);
    const page = p.page(n);
    const h = n === 1 ? 100 : 0;
    const kind = page[h];
    const cells = page.readUInt16BE(h + 3);
    if (kind === 0x0d) {
      for (let i = 0; i < cells; i++) yield cellPayload(p, page, page.readUInt16BE(h + 8 + i * 2));
    } else if (kind === 0x05) {
      const children: number[] = [];
      for (let i = 0; i < cells; i++) children.push(page.readUInt32BE(page.readUInt16BE(h + 12 + i * 2)));
      children.push(page.readUInt32BE(h + 8));
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    } else throw new SourceError(`corrupt GeoPackage: page ${n} is not a table page (type ${kind})`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An SQLite record: values by column position (INTEGER PRIMARY KEY stored as NULL, filled by the caller). */
function record(b: Buffer): unknown[] {
  const [hsize, n] = varint(b, 0);
  const types: number[] = [];
  for (let at = n; at < hsize; ) {
    const [t, k] = varint(b, at);
    types.push(t);
    at += k;
  }
  const out: unknown[] = new Array(types.length);
  let at = hsize;
  types.forEach((t, i) => {
    switch (t) {
      case 0:
        out[i] = null;
        break;
      case 1:
        out[i] = b.readInt8(at);
        at += 1;
        break;
      case 2:
        out[i] = b.readInt16BE(at);
        at += 2;
        break;
      case 3:
        out[i] = b.readIntBE(at, 3);
        at += 3;
        break;
      case 4:
        out[i] = b.readInt32BE(at);
        at += 4;
        break;
      case 5:
        out[i] = b.readIntBE(at, 6);
        at += 6;
        break;
      case 6: {
        const v = b.readBigInt64BE(at);
        out[i] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
        at += 8;
        break;
      }
      case 7:
        out[i] = b.readDoubleBE(at);
        at += 8;
        break;
      case 8:
        out[i] = 0;
        break;
      case 9:
        out[i] = 1;
        break;
      default: {
        const len = t >= 12 ? Math.floor((t - (t % 2 ? 13 : 12)) / 2) : 0;
        if (at + len > b.length) throw new SourceError('corrupt GeoPackage record: value runs past the row');
        out[i] = t % 2 ? utf8.decode(b.subarray(at, at + len)) : b.subarray(at, at + len);
        at += len;
      }
    }
  });
  return out;
}

/** Column names of a CREATE TABLE statement, in order (table constraints skipped). */
export function createTableColumns(sql: string): { name: string; integerKey: boolean }[] {
  const open = sql.indexOf('(');
  const body = sql.slice(open + 1, sql.lastIndexOf(')'));
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '[') quote = ']';
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  // SQLite: a column declared exactly INTEGER with a PRIMARY KEY (on itself, or as the table's
  // one-column key) is the rowid; its value is not stored in the record.
  const cols: { name: string; integerKey: boolean; integer: boolean }[] = [];
  let tableKey: string | undefined;
  for (const raw of parts) {
    const d = raw.trim();
    const pk = /^(?:CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\s*\(\s*["`[]?([^"`\],)]+)["`\]]?\s*\)/i.exec(d);
    if (pk) tableKey = pk[1];
    if (/^(CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\b/i.test(d)) continue;
    const m = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|'([^']*)'|(\S+))\s*(.*)$/s.exec(d);
    if (!m) continue;
    const name = m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? m[3] ?? m[4] ?? m[5]);
    const rest = m[6].trim();
    const integer = /^INTEGER\b/i.test(rest) && !/^INTEGER\s*\(/i.test(rest);
    cols.push({ name, integer, integerKey: integer && /\bPRIMARY\s+KEY\b/i.test(rest) });
  }
  if (tableKey && !cols.some((c) => c.integerKey)) {
    const c = cols.find((x) => x.name.toLowerCase() === tableKey!.toLowerCase());
    if (c?.integer) c.integerKey = true;
  }
  return cols.map(({ name, integerKey }) => ({ name, integerKey }));
}

interface SchemaRow {
  type: string;
  name: string;
  rootpage: number;
  sql: string | null;
}

/** Every row of a (small) table as objects keyed by column name. */
function readTable(p: Pager, t: SchemaRow): Record<string, unknown>[] {
  const cols = createTableColumns(t.sql ?? '');
  const out: Record<string, unknown>[] = [];
  for (const { rowid, payload } of tableRows(p, t.rootpage)) {
    const v = record(payload);
    out.push(Object.fromEntries(cols.map((c, i) => [c.name, c.integerKey && v[i] === null ? rowid : (v[i] ?? null)])));
  }
  return out;
}

export interface GpkgLayer {
  /** Feature table name. */
  table: string;
  geometryColumn: string;
  /** EPSG code of the layer's CRS, when gpkg_spatial_ref_sys names one (organization EPSG). */
  srid?: number;
  /** Its WKT definition, for CRS recognition when the organization is not EPSG. */
  definition?: string;
  /** gpkg_ogr_contents.feature_count when GDAL wrote it. */
  count?: number;
}

export interface Gpkg {
  path: string;
  layers: GpkgLayer[];
  /** Streams a layer's features, in fid order; `index` is the 1-based position, `id` the fid. */
  features(table: string): Generator<SourceFeature>;
  close(): void;
}

export function openGpkg(path: string): Gpkg {
  const p = new Pager(path);
  try {
    const schema: SchemaRow[] = [];
    for (const { payload } of tableRows(p, 1)) {
      const [type, name, , rootpage, sql] = record(payload) as [string, string, string, number, string | null];
      schema.push({ type, name, rootpage, sql });
    }
    const table = (name: string) => schema.find((s) => s.type === 'table' && s.name.toLowerCase() === name.toLowerCase());
    const contents = table('gpkg_contents');
    const geomCols = table('gpkg_geometry_columns');
    if (!contents || !geomCols) throw new SourceError('not a GeoPackage: no gpkg_contents / gpkg_geometry_columns table');
    const srs = table('gpkg_spatial_ref_sys');
    const srsRows = srs ? readTable(p, srs) : [];
    const ogr = table('gpkg_ogr_contents');
    const counts = new Map((ogr ? readTable(p, ogr) : []).map((r) => [String(r.table_name).toLowerCase(), r.feature_count as number | null]));
    const features = new Set(
      readTable(p, contents)
        .filter((r) => String(r.data_type).toLowerCase() === 'features')
        .map((r) => String(r.table_name).toLowerCase()),
    );
    const layers: GpkgLayer[] = readTable(p, geomCols)
      .filter((r) => features.has(String(r.table_name).toLowerCase()))
      .map((r) => {
        const s = srsRows.find((x) => x.srs_id === r.srs_id);
        const epsg = s && String(s.organization).toUpperCase() === 'EPSG' && Number(s.organization_coordsys_id) > 0 ? Number(s.organization_coordsys_id) : undefined;
        return {
          table: String(r.table_name),
          geometryColumn: String(r.column_name),
          srid: epsg,
          definition: s && typeof s.definition === 'string' && s.definition !== 'undefined' ? s.definition : undefined,
          count: counts.get(String(r.table_name).toLowerCase()) ?? undefined,
        };
      });
    return {
      path,
      layers,
      *features(name: string) {
        const layer = layers.find((l) => l.table === name);
        const t = table(name);
        if (!layer || !t) throw new SourceError(`no feature table ${name}`);
        if (/WITHOUT\s+ROWID\s*$/i.test(t.sql ?? '')) throw new SourceError(`${name} is a WITHOUT ROWID table (not supported)`);
        const cols = createTableColumns(t.sql ?? '');
        const gi = cols.findIndex((c) => c.name.toLowerCase() === layer.geometryColumn.toLowerCase());
        const key = cols.findIndex((c) => c.integerKey);
        let index = 0;
        for (const { rowid, payload } of tableRows(p, t.rootpage)) {
          index++;
          let v: unknown[];
          try {
            v = record(payload);
          } catch (e) {
            throw new SourceError((e as Error).message, index);
          }
          const properties: Record<string, unknown> = {};
          cols.forEach((c, i) => {
            if (i !== gi && i !== key) properties[c.name] = v[i] ?? null; // columns added later are absent from old rows: null
          });
          const blob = gi >= 0 ? v[gi] : null;
          yield lazyGpkgFeature(index, rowid, properties, blob instanceof Buffer ? blob : null);
        }
      },
      close: () => p.close(),
    };
  } catch (e) {
    p.close();
    throw e;
  }
}

/** The WKB inside a GeoPackage geometry blob (after the `GP` header and its envelope), or null when empty. */
export function gpkgWkb(blob: Buffer, feature: number): Buffer | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new SourceError('geometry is not a GeoPackage blob (no GP header)', feature);
  const flags = blob[3];
  if (flags & 0x20) throw new SourceError('extended GeoPackage geometry types are not supported', feature);
  if (flags & 0x10) return null; // empty geometry
  const env = (flags >> 1) & 7;
  const envSize = [0, 32, 48, 48, 64][env];
  if (envSize === undefined) throw new SourceError(`bad GeoPackage envelope code ${env}`, feature);
  return blob.subarray(8 + envSize);
}

const RAW = Symbol('gpkg wkb');
const GEOMETRY = Symbol('geometry');
type LazyGpkg = SourceFeature & { [RAW]?: Buffer | null; [GEOMETRY]?: Geometry };
const GEOMETRY_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: LazyGpkg) {
    if (this[GEOMETRY] === undefined) {
      const wkb = this[RAW] ? gpkgWkb(this[RAW], this.index) : null;
      this[GEOMETRY] = wkb ? wkbToGeojson(wkb, this.index) : null;
    }
    return this[GEOMETRY];
  },
  set(this: LazyGpkg, g: Geometry) {
    this[GEOMETRY] = g;
    this[RAW] = undefined;
  },
};

function lazyGpkgFeature(index: number, fid: number, properties: Record<string, unknown>, blob: Buffer | null): SourceFeature {
  const f = { index, properties, id: fid } as LazyGpkg;
  f[RAW] = blob;
  Object.defineProperty(f, 'geometry', GEOMETRY_PROPERTY);
  return f;
}

/** The feature's WKB as stored, for the engine's staging COPY; undefined once its geometry was replaced. */
export function gpkgFeatureWkb(f: SourceFeature): Buffer | null | undefined {
  const raw = (f as LazyGpkg)[RAW];
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  return gpkgWkb(raw, f.index);
}

/** Standard (ISO or EWKB-flagged) WKB → GeoJSON geometry, Z/M dropped. */
export function wkbToGeojson(b: Buffer, feature: number): Geometry {
  let at = 0;
  const fail = (): never => {
    throw new SourceError('corrupt WKB geometry', feature);
  };
  function geom(): NonNullable<Geometry> {
    if (at + 5 > b.length) fail();
    const le = b[at] === 1;
    const u32 = () => {
      if (at + 4 > b.length) fail();
      const v = le ? b.readUInt32LE(at) : b.readUInt32BE(at);
      at += 4;
      return v;
    };
    at += 1;
    let type = u32();
    let dims = 2;
    if (type & 0x20000000) at += 4; // EWKB SRID
    if (type & 0x80000000) dims++;
    if (type & 0x40000000) dims++;
    type &= 0x0fffffff;
    const iso = Math.floor(type / 1000);
    if (iso === 1 || iso === 2) dims = 3;
    if (iso === 3) dims = 4;
    type %= 1000;
    const pos = (): number[] => {
      if (at + dims * 8 > b.length) fail();
      const p = le ? [b.readDoubleLE(at), b.readDoubleLE(at + 8)] : [b.readDoubleBE(at), b.readDoubleBE(at + 8)];
      at += dims * 8;
      return p;
    };
    const seq = () => Array.from({ length: u32() }, pos);
    switch (type) {
      case 1: {
        const p = pos();
        return { type: 'Point', coordinates: Number.isNaN(p[0]) ? [] : p };
      }
      case 2:
        return { type: 'LineString', coordinates: seq() };
      case 3:
        return { type: 'Polygon', coordinates: Array.from({ length: u32() }, seq) };
      case 4:
      case 5:
      case 6:
      case 7: {
        const members = Array.from({ length: u32() }, geom);
        if (type === 7) return { type: 'GeometryCollection', geometries: members };
        const name = ['MultiPoint', 'MultiLineString', 'MultiPolygon'][type - 4];
        return { type: name, coordinates: members.map((m) => m.coordinates) };
      }
      default:
        return fail();
    }
  }
  return geom();
}
