/**
 * GeoJSON geometry object → 2D WKB, the form the staging table's geometry column is COPYed in.
 *
 * Why not GeoJSON text and ST_GeomFromGeoJSON: on the 112,800-parcel reference file, JSON.stringify
 * of the coordinates cost Node ~13 µs per feature and PostGIS's GeoJSON parser ~14 µs more, together
 * more than the whole of ogr2ogr's load; WKB is written with plain memory copies and read by PostGIS
 * without parsing numbers. The structure is checked here, so a malformed geometry is reported with
 * its feature number before anything reaches the database. Z/M values are dropped (2D tables).
 */
export class GeometryError extends Error {}

type Geom = { type: string; coordinates?: unknown; geometries?: unknown };

const TYPES: Record<string, number> = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6,
  GeometryCollection: 7,
};

function bad(msg: string): never {
  throw new GeometryError(msg);
}

function checkPos(p: unknown): asserts p is number[] {
  if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1]))
    bad(`bad position ${JSON.stringify(p)?.slice(0, 60)}`);
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) bad(`${what}: coordinates are not an array`);
  return v;
}

/** Bytes needed for `g` (and checks its structure on the way). */
function size(g: Geom, depth = 0): number {
  if (!g || typeof g !== 'object') bad('not a geometry object');
  const t = g.type;
  switch (t) {
    case 'Point': {
      const c = arr(g.coordinates, t);
      if (c.length === 0) return 5 + 16; // POINT EMPTY as NaN NaN
      checkPos(c);
      return 21;
    }
    case 'LineString':
    case 'MultiPoint': {
      const c = arr(g.coordinates, t);
      for (const p of c) checkPos(p);
      return t === 'LineString' ? 9 + 16 * c.length : 9 + 21 * c.length;
    }
    case 'Polygon':
    case 'MultiLineString': {
      let n = 9;
      for (const r of arr(g.coordinates, t)) {
        const ring = arr(r, t);
        for (const p of ring) checkPos(p);
        n += t === 'Polygon' ? 4 + 16 * ring.length : 9 + 16 * ring.length;
      }
      return n;
    }
    case 'MultiPolygon': {
      let n = 9;
      for (const poly of arr(g.coordinates, t)) {
        n += 9;
        for (const r of arr(poly, t)) {
          const ring = arr(r, t);
          for (const p of ring) checkPos(p);
          n += 4 + 16 * ring.length;
        }
      }
      return n;
    }
    case 'GeometryCollection': {
      if (depth > 8) bad('geometry collections nested too deep');
      let n = 9;
      for (const m of arr(g.geometries, t)) n += size(m as Geom, depth + 1);
      return n;
    }
    default:
      return bad(`unknown geometry type ${JSON.stringify(t)}`);
  }
}

function write(g: Geom, b: Buffer, o: number): number {
  b[o] = 1; // little endian
  b.writeUInt32LE(TYPES[g.type], o + 1);
  o += 5;
  const pts = (c: number[][], at: number) => {
    b.writeUInt32LE(c.length, at);
    at += 4;
    for (const p of c) {
      b.writeDoubleLE(p[0], at);
      b.writeDoubleLE(p[1], at + 8);
      at += 16;
    }
    return at;
  };
  switch (g.type) {
    case 'Point': {
      const c = g.coordinates as number[];
      b.writeDoubleLE(c.length ? c[0] : NaN, o);
      b.writeDoubleLE(c.length ? c[1] : NaN, o + 8);
      return o + 16;
    }
    case 'LineString':
      return pts(g.coordinates as number[][], o);
    case 'MultiPoint': {
      const c = g.coordinates as number[][];
      b.writeUInt32LE(c.length, o);
      o += 4;
      for (const p of c) o = write({ type: 'Point', coordinates: p }, b, o);
      return o;
    }
    case 'Polygon': {
      const rings = g.coordinates as number[][][];
      b.writeUInt32LE(rings.length, o);
      o += 4;
      for (const r of rings) o = pts(r, o);
      return o;
    }
    case 'MultiLineString': {
      const lines = g.coordinates as number[][][];
      b.writeUInt32LE(lines.length, o);
      o += 4;
      for (const l of lines) o = write({ type: 'LineString', coordinates: l }, b, o);
      return o;
    }
    case 'MultiPolygon': {
      const polys = g.coordinates as number[][][][];
      b.writeUInt32LE(polys.length, o);
      o += 4;
      for (const p of polys) o = write({ type: 'Polygon', coordinates: p }, b, o);
      return o;
    }
    default: {
      const members = g.geometries as Geom[];
      b.writeUInt32LE(members.length, o);
      o += 4;
      for (const m of members) o = write(m, b, o);
      return o;
    }
  }
}

/** 2D WKB of a GeoJSON geometry object; throws GeometryError for a malformed one. */
export function geojsonToWkb(g: Geom): Buffer {
  const n = size(g);
  const b = Buffer.allocUnsafe(n);
  const end = write(g, b, 0);
  if (end !== n) throw new GeometryError(`internal WKB size mismatch (${end} ≠ ${n})`);
  return b;
}
