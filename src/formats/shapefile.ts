/**
 * ESRI Shapefile reader, streamed: the .shp and the .dbf are read in lockstep, one record of each at
 * a time, so memory stays bounded whatever the number of features. Geometries come out as GeoJSON
 * objects in the file's own CRS (Z and M dropped: every Terroir table is 2D); PostGIS reprojects.
 *
 * Corruption is reported, never papered over: a truncated .dbf or .shp, a .shp and .dbf that do not
 * have the same number of records, or an undecodable geometry record fail with the feature number.
 */
import { ByteReader, counted, type ByteSource } from '../import/bytes.ts';
import { SourceError } from '../import/errors.ts';
import type { SourceFeature } from '../import/target.ts';
import { DbfText, decodeRecord, encodingFromLdid, parseDbfHeader } from './shapefile-dbf.ts';

type Position = [number, number];
export type Geometry = SourceFeature['geometry'];

export interface ShapefileState {
  /** Records announced by the .dbf header (known once reading has started). */
  records?: number;
  /** Encoding used for the .dbf text (declared, or guessed once a non-ASCII value was seen). */
  encoding?: string;
}

function readPoints(b: Buffer, at: number, n: number, end: number, feature: number): Position[] {
  if (at + n * 16 > end) throw new SourceError('corrupt geometry record: points run past the record', feature);
  const pts: Position[] = new Array(n);
  for (let i = 0; i < n; i++) pts[i] = [b.readDoubleLE(at + i * 16), b.readDoubleLE(at + i * 16 + 8)];
  return pts;
}

/** Twice the signed area (shoelace): negative for clockwise rings, the outer rings of a shapefile. */
function ringArea2(r: Position[]): number {
  let a = 0;
  for (let i = 0, n = r.length - 1; i < n; i++) a += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return a;
}

function bbox(r: Position[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of r) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

function inRing([x, y]: Position, r: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i];
    const [xj, yj] = r[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Groups the rings of a polygon record into polygons: outer rings are clockwise, holes
 * counter-clockwise (the shapefile rule); each hole goes to the outer ring that contains it. Files
 * that ignore the rule (no clockwise ring at all) are organised by containment instead, as GDAL does.
 */
function assemblePolygon(rings: Position[][]): Geometry {
  const areas = rings.map(ringArea2);
  let outers = rings.map((_, i) => i).filter((i) => areas[i] <= 0);
  let holes = rings.map((_, i) => i).filter((i) => areas[i] > 0);
  if (!outers.length) {
    // Depth by containment: a ring inside an odd number of others is a hole.
    const depth = rings.map((r, i) => rings.reduce((d, o, j) => (j !== i && r.length && o.length > 3 && inRing(r[0], o) ? d + 1 : d), 0));
    outers = rings.map((_, i) => i).filter((i) => depth[i] % 2 === 0);
    holes = rings.map((_, i) => i).filter((i) => depth[i] % 2 === 1);
  }
  const polys: Position[][][] = outers.map((i) => [rings[i]]);
  if (holes.length) {
    if (polys.length === 1) polys[0].push(...holes.map((i) => rings[i]));
    else {
      const boxes = outers.map((i) => bbox(rings[i]));
      for (const h of holes) {
        const ring = rings[h];
        const p = ring[0];
        let home = -1;
        let best = Infinity;
        for (let k = 0; k < outers.length; k++) {
          const [x0, y0, x1, y1] = boxes[k];
          if (p[0] < x0 || p[0] > x1 || p[1] < y0 || p[1] > y1) continue;
          const area = Math.abs(areas[outers[k]]);
          if (area < best && inRing(p, rings[outers[k]])) {
            home = k;
            best = area;
          }
        }
        if (home >= 0) polys[home].push(ring);
        else polys.push([ring]); // an orphan hole: kept as a polygon, PostGIS validity decides
      }
    }
  }
  return polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys };
}

/** One .shp record content (shape type onwards) as a GeoJSON geometry. */
export function decodeShape(b: Buffer, feature: number): Geometry {
  if (b.length < 4) throw new SourceError('corrupt geometry record: shorter than its shape type', feature);
  const type = b.readInt32LE(0);
  const end = b.length;
  switch (type) {
    case 0:
      return null;
    case 1:
    case 11:
    case 21:
      if (end < 20) throw new SourceError('corrupt point record', feature);
      return { type: 'Point', coordinates: [b.readDoubleLE(4), b.readDoubleLE(12)] };
    case 8:
    case 18:
    case 28: {
      if (end < 40) throw new SourceError('corrupt multipoint record', feature);
      const n = b.readInt32LE(36);
      if (n < 0) throw new SourceError('corrupt multipoint record: negative point count', feature);
      return { type: 'MultiPoint', coordinates: readPoints(b, 40, n, end, feature) };
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
      const all = readPoints(b, pointsAt, nPoints, end, feature);
      const parts: Position[][] = [];
      for (let p = 0; p < nParts; p++) {
        const from = b.readInt32LE(44 + p * 4);
        const to = p + 1 < nParts ? b.readInt32LE(44 + (p + 1) * 4) : nPoints;
        if (from < 0 || to > nPoints || from > to) throw new SourceError('corrupt geometry record: bad part index', feature);
        parts.push(all.slice(from, to));
      }
      if (!parts.length) return null;
      if (type === 3 || type === 13 || type === 23)
        return parts.length === 1 ? { type: 'LineString', coordinates: parts[0] } : { type: 'MultiLineString', coordinates: parts };
      return assemblePolygon(parts);
    }
    default:
      throw new SourceError(`unsupported shape type ${type}${type === 31 ? ' (MultiPatch)' : ''}`, feature);
  }
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
      yield { index: i, properties, geometry: decodeShape(content, i) };
    }
    const more = await shp.read(8);
    if (more.length === 8) throw new SourceError(`the .shp has more records than the ${h.records} of the .dbf`, h.records + 1);
  } finally {
    await Promise.allSettled([shp.close(), dbf.close()]);
  }
}
