/**
 * ESRI Shapefile reader, streamed: the .shp and the .dbf are read in lockstep, one record of each at
 * a time, so memory stays bounded whatever the number of features. Geometries come out as GeoJSON
 * objects in the file's own CRS (Z and M dropped: every Terroir table is 2D); PostGIS reprojects.
 *
 * Corruption is reported, never papered over: a truncated .dbf or .shp, a .shp and .dbf that do not
 * have the same number of records, or an undecodable geometry record fail with the feature number.
 */
import { ByteReader, counted, type ByteSource } from './bytes.ts';
import { SourceError } from './errors.ts';
import type { SourceFeature } from './feature.ts';
import { DbfText, decodeRecord, encodingFromLdid, parseDbfHeader } from './shapefile-dbf.ts';

type Position = [number, number];
export type Geometry = SourceFeature['geometry'];

export interface ShapefileState {
  /** Records announced by the .dbf header (known once reading has started). */
  records?: number;
  /** Encoding used for the .dbf text (declared, or guessed once a non-ASCII value was seen). */
  encoding?: string;
}

/** A run of points inside a record: byte offset of the first point, number of points. */
interface Run {
  at: number;
  n: number;
}

type Parsed =
  | { kind: 'null' }
  | { kind: 'point'; at: number }
  | { kind: 'multipoint'; pts: Run }
  | { kind: 'line'; parts: Run[] }
  | { kind: 'polygon'; polys: Run[][] };

const x = (b: Buffer, r: Run, k: number) => b.readDoubleLE(r.at + k * 16);
const y = (b: Buffer, r: Run, k: number) => b.readDoubleLE(r.at + k * 16 + 8);

/** Twice the signed area (shoelace): negative for clockwise rings, the outer rings of a shapefile. */
function ringArea2(b: Buffer, r: Run): number {
  let a = 0;
  for (let k = 0; k < r.n - 1; k++) a += x(b, r, k) * y(b, r, k + 1) - x(b, r, k + 1) * y(b, r, k);
  return a;
}

function ringBox(b: Buffer, r: Run): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let k = 0; k < r.n; k++) {
    const px = x(b, r, k);
    const py = y(b, r, k);
    if (px < x0) x0 = px;
    if (px > x1) x1 = px;
    if (py < y0) y0 = py;
    if (py > y1) y1 = py;
  }
  return [x0, y0, x1, y1];
}

function inRing(b: Buffer, px: number, py: number, r: Run): boolean {
  let inside = false;
  for (let i = 0, j = r.n - 1; i < r.n; j = i++) {
    const xi = x(b, r, i), yi = y(b, r, i), xj = x(b, r, j), yj = y(b, r, j);
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Groups the rings of a polygon record into polygons: outer rings are clockwise, holes
 * counter-clockwise (the shapefile rule); each hole goes to the smallest outer ring that contains
 * it. Files that ignore the rule (no clockwise ring at all) are organised by containment instead,
 * as GDAL does. A one-ring record (most parcels) needs none of this.
 */
function groupRings(b: Buffer, rings: Run[]): Run[][] {
  if (rings.length === 1) return [rings];
  const areas = rings.map((r) => ringArea2(b, r));
  const idx = rings.map((_, i) => i);
  let outers = idx.filter((i) => areas[i] <= 0);
  let holes = idx.filter((i) => areas[i] > 0);
  if (!outers.length) {
    // Depth by containment: a ring inside an odd number of others is a hole.
    const depth = rings.map((r, i) =>
      rings.reduce((d, o, j) => (j !== i && r.n && o.n > 3 && inRing(b, x(b, r, 0), y(b, r, 0), o) ? d + 1 : d), 0),
    );
    outers = idx.filter((i) => depth[i] % 2 === 0);
    holes = idx.filter((i) => depth[i] % 2 === 1);
  }
  const polys: Run[][] = outers.map((i) => [rings[i]]);
  if (holes.length) {
    if (polys.length === 1) polys[0].push(...holes.map((i) => rings[i]));
    else {
      const boxes = outers.map((i) => ringBox(b, rings[i]));
      for (const h of holes) {
        const ring = rings[h];
        const px = x(b, ring, 0);
        const py = y(b, ring, 0);
        let home = -1;
        let best = Infinity;
        for (let k = 0; k < outers.length; k++) {
          const [x0, y0, x1, y1] = boxes[k];
          if (px < x0 || px > x1 || py < y0 || py > y1) continue;
          const area = Math.abs(areas[outers[k]]);
          if (area < best && inRing(b, px, py, rings[outers[k]])) {
            home = k;
            best = area;
          }
        }
        if (home >= 0) polys[home].push(ring);
        else polys.push([ring]); // an orphan hole: kept as a polygon, PostGIS validity decides
      }
    }
  }
  return polys;
}

/** The structure of one .shp record content (shape type onwards), checked against its length. */
function parseShape(b: Buffer, feature: number): Parsed {
  if (b.length < 4) throw new SourceError('corrupt geometry record: shorter than its shape type', feature);
  const type = b.readInt32LE(0);
  const end = b.length;
  switch (type) {
    case 0:
      return { kind: 'null' };
    case 1:
    case 11:
    case 21:
      if (end < 20) throw new SourceError('corrupt point record', feature);
      return { kind: 'point', at: 4 };
    case 8:
    case 18:
    case 28: {
      if (end < 40) throw new SourceError('corrupt multipoint record', feature);
      const n = b.readInt32LE(36);
      if (n < 0 || 40 + n * 16 > end) throw new SourceError('corrupt multipoint record: points run past the record', feature);
      return { kind: 'multipoint', pts: { at: 40, n } };
    }
    case 3:
    case 13:
    case 23:
    case 5:
    case 15:
    case 25: {
      if (end < 44) throw new SourceError('corrupt geometry record: header cut short', feature);
      const nParts = b.readInt32LE(36);
      const nPoints = b.readInt32LE(40);
      if (nParts < 0 || nPoints < 0 || 44 + nParts * 4 > end) throw new SourceError('corrupt geometry record: bad part count', feature);
      const pointsAt = 44 + nParts * 4;
      if (pointsAt + nPoints * 16 > end) throw new SourceError('corrupt geometry record: points run past the record', feature);
      const parts: Run[] = [];
      for (let p = 0; p < nParts; p++) {
        const from = b.readInt32LE(44 + p * 4);
        const to = p + 1 < nParts ? b.readInt32LE(44 + (p + 1) * 4) : nPoints;
        if (from < 0 || to > nPoints || from > to) throw new SourceError('corrupt geometry record: bad part index', feature);
        parts.push({ at: pointsAt + from * 16, n: to - from });
      }
      if (!parts.length) return { kind: 'null' };
      if (type === 3 || type === 13 || type === 23) return { kind: 'line', parts };
      return { kind: 'polygon', polys: groupRings(b, parts) };
    }
    default:
      throw new SourceError(`unsupported shape type ${type}${type === 31 ? ' (MultiPatch)' : ''}`, feature);
  }
}

function positions(b: Buffer, r: Run): Position[] {
  const out: Position[] = new Array(r.n);
  for (let k = 0; k < r.n; k++) out[k] = [x(b, r, k), y(b, r, k)];
  return out;
}

/** One .shp record content (shape type onwards) as a GeoJSON geometry. */
export function decodeShape(b: Buffer, feature: number): Geometry {
  const p = parseShape(b, feature);
  switch (p.kind) {
    case 'null':
      return null;
    case 'point':
      return { type: 'Point', coordinates: [b.readDoubleLE(p.at), b.readDoubleLE(p.at + 8)] };
    case 'multipoint':
      return { type: 'MultiPoint', coordinates: positions(b, p.pts) };
    case 'line':
      return p.parts.length === 1
        ? { type: 'LineString', coordinates: positions(b, p.parts[0]) }
        : { type: 'MultiLineString', coordinates: p.parts.map((r) => positions(b, r)) };
    case 'polygon': {
      const polys = p.polys.map((rings) => rings.map((r) => positions(b, r)));
      return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
    }
  }
}

/** One .shp record content as 2D WKB: headers written, point runs copied byte for byte. */
export function shapeToWkb(b: Buffer, feature: number): Buffer | null {
  const p = parseShape(b, feature);
  if (p.kind === 'null') return null;
  switch (p.kind) {
    case 'point': {
      const w = new WkbWriter(b, 21);
      w.head(1);
      w.copy(p.at, 16);
      return w.out;
    }
    case 'multipoint': {
      const w = new WkbWriter(b, 9 + p.pts.n * 21);
      w.head(4);
      w.count(p.pts.n);
      for (let k = 0; k < p.pts.n; k++) {
        w.head(1);
        w.copy(p.pts.at + k * 16, 16);
      }
      return w.out;
    }
    case 'line': {
      if (p.parts.length === 1) {
        const w = new WkbWriter(b, 5 + runSize(p.parts[0]));
        w.head(2);
        w.run(p.parts[0]);
        return w.out;
      }
      let size = 9;
      for (const r of p.parts) size += 5 + runSize(r);
      const w = new WkbWriter(b, size);
      w.head(5);
      w.count(p.parts.length);
      for (const r of p.parts) {
        w.head(2);
        w.run(r);
      }
      return w.out;
    }
    case 'polygon': {
      if (p.polys.length === 1) {
        const w = new WkbWriter(b, polygonSize(p.polys[0]));
        w.polygon(p.polys[0]);
        return w.out;
      }
      let size = 9;
      for (const rings of p.polys) size += polygonSize(rings);
      const w = new WkbWriter(b, size);
      w.head(6);
      w.count(p.polys.length);
      for (const rings of p.polys) w.polygon(rings);
      return w.out;
    }
  }
}

function runSize(r: Run): number {
  return 4 + r.n * 16;
}

function polygonSize(rings: Run[]): number {
  let n = 9;
  for (const r of rings) n += runSize(r);
  return n;
}

/**
 * Writes 2D WKB from a .shp record's bytes. A class rather than closures inside shapeToWkb: under
 * tsx (esbuild keepNames) every closure created per record costs a defineProperty, measured at
 * ~15 % of the read step.
 */
class WkbWriter {
  readonly out: Buffer;
  private o = 0;
  constructor(
    private readonly src: Buffer,
    size: number,
  ) {
    this.out = Buffer.allocUnsafe(size);
  }
  head(type: number) {
    this.out[this.o] = 1;
    this.out.writeUInt32LE(type, this.o + 1);
    this.o += 5;
  }
  count(n: number) {
    this.out.writeUInt32LE(n, this.o);
    this.o += 4;
  }
  copy(at: number, bytes: number) {
    this.src.copy(this.out, this.o, at, at + bytes);
    this.o += bytes;
  }
  run(r: Run) {
    this.count(r.n);
    this.copy(r.at, r.n * 16);
  }
  polygon(rings: Run[]) {
    this.head(3);
    this.count(rings.length);
    for (const r of rings) this.run(r);
  }
}

const RECORD = Symbol('shp record');
const GEOMETRY = Symbol('geometry');
type LazyFeature = SourceFeature & { [RECORD]?: Buffer; [GEOMETRY]?: Geometry };

/** Shared by every feature (no closure per feature: a million features is a million of them). */
const GEOMETRY_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: LazyFeature) {
    if (this[GEOMETRY] === undefined) this[GEOMETRY] = decodeShape(this[RECORD]!, this.index);
    return this[GEOMETRY];
  },
  set(this: LazyFeature, g: Geometry) {
    this[GEOMETRY] = g;
    this[RECORD] = undefined;
  },
};

/**
 * A feature whose GeoJSON geometry is decoded only if someone reads it (a target's value() rarely
 * does); `geometry` is still an own enumerable property, so spreading or serialising the feature
 * keeps it.
 */
function lazyFeature(index: number, properties: Record<string, unknown>, content: Buffer): SourceFeature {
  const f = { index, properties } as LazyFeature;
  f[RECORD] = content;
  Object.defineProperty(f, 'geometry', GEOMETRY_PROPERTY);
  return f;
}

/**
 * The 2D WKB of a feature read from a shapefile, built straight from the record's bytes (the
 * .shp stores little-endian doubles, as WKB does): the engine stages it without building GeoJSON
 * coordinate arrays. undefined for any other feature, or once `geometry` has been replaced.
 */
export function shapefileWkb(f: SourceFeature): Buffer | null | undefined {
  const rec = (f as LazyFeature)[RECORD];
  return rec === undefined ? undefined : shapeToWkb(rec, f.index);
}

/**
 * Streams the features of a shapefile. `encoding` is the .dbf text encoding when known (explicit
 * option, .cpg); otherwise the header's language driver or the first non-ASCII value decides.
 */
export async function* readShapefile(
  parts: { shp: ByteSource; dbf: ByteSource },
  opts: { encoding?: string; state?: ShapefileState } = {},
): AsyncGenerator<SourceFeature> {
  const state = opts.state ?? {};
  const shp = new ByteReader(counted(parts.shp, await parts.shp.open()));
  const dbf = new ByteReader(await parts.dbf.open());
  try {
    const sh = await shp.read(100);
    if (sh.length < 100 || sh.readInt32BE(0) !== 9994) throw new SourceError(`${parts.shp.name} is not a shapefile (.shp) file`);
    const head = Buffer.from(await dbf.read(32));
    if (head.length < 32) throw new SourceError(`${parts.dbf.name} is truncated: no complete dBase header`);
    const headerLength = head.readUInt16LE(8);
    if (headerLength < 33) throw new SourceError(`${parts.dbf.name}: corrupt dBase header (header length ${headerLength})`);
    const fieldsPart = Buffer.from(await dbf.read(headerLength - 32));
    if (fieldsPart.length < headerLength - 32) throw new SourceError(`${parts.dbf.name} is truncated inside its header`);
    const h = parseDbfHeader(head, fieldsPart, (b) => b.toString('latin1'));
    const text = new DbfText(opts.encoding ?? encodingFromLdid(h.ldid));
    state.records = h.records;
    state.encoding = text.encoding;
    for (let i = 1; i <= h.records; i++) {
      const rec = dbf.take(h.recordLength) ?? (await dbf.read(h.recordLength));
      if (rec.length < h.recordLength || rec[0] === 0x1a)
        throw new SourceError(`the .dbf is truncated: record ${i} of the ${h.records} its header announces is missing or incomplete`, i);
      const rh = shp.take(8) ?? (await shp.read(8));
      if (rh.length < 8) throw new SourceError(`the .shp ends after ${i - 1} records while the .dbf has ${h.records}`, i);
      const len = rh.readInt32BE(4) * 2;
      if (len < 4 || len > 1 << 30) throw new SourceError(`corrupt .shp record header (content length ${len})`, i);
      const content = shp.take(len) ?? (await shp.read(len));
      if (content.length < len) throw new SourceError(`the .shp is truncated inside record ${i}`, i);
      const properties = decodeRecord(h, rec, text, i);
      state.encoding = text.encoding;
      if (properties === null) continue; // deleted record
      yield lazyFeature(i, properties, content);
    }
    const more = await shp.read(8);
    if (more.length === 8) throw new SourceError(`the .shp has more records than the ${h.records} of the .dbf`, h.records + 1);
  } finally {
    await Promise.allSettled([shp.close(), dbf.close()]);
  }
}
