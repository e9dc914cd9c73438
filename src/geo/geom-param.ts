import { invalidParam, type ParamLocation } from '../http/problems.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../http/input.ts';
import { markHeavy } from '../db/context.ts';

/**
 * Limits on an input geometry, documented in the README: a query, not an upload. The character
 * limit leaves room for the vertex one: 50,000 positions written with full double precision
 * (`[-179.12345678901234,-89.12345678901234],` is 42 characters) fit in 48 characters each.
 */
export const GEOM_LIMITS = { maxVertices: 50_000, maxChars: 50_000 * 48 } as const;

/**
 * A request whose geometry passes either bound is heavy: its statements go through the bounded
 * heavy lane (src/db/context.ts). Defaults, measured on the département demo (docs/hardening.md,
 * `bench/heavy.ts --probe` and the loaded runs); TERROIR_HEAVY_VERTICES and TERROIR_HEAVY_AREA_DEG2
 * change them (setHeavyThresholds, called when the app is built).
 */
export const HEAVY_DEFAULTS = { vertices: 2_000, bboxDeg2: 0.01 } as const;
export const HEAVY: { vertices: number; bboxDeg2: number } = { ...HEAVY_DEFAULTS };

export function setHeavyThresholds(vertices: number, bboxDeg2: number): void {
  HEAVY.vertices = vertices;
  HEAVY.bboxDeg2 = bboxDeg2;
}

const TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;
export type GeometryType = (typeof TYPES)[number];

export interface GeomInput {
  /** GeoJSON text of the bare geometry, handed to PostGIS's ST_GeomFromGeoJSON. */
  geojson: string;
  type: GeometryType;
  /** Polygonal inputs must also pass ST_IsValid in PostGIS (self-intersection, see features/query). */
  polygonal: boolean;
}

class GeomError extends Error {}

interface Count {
  n: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function position(p: unknown, where: string, count: Count) {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) throw new GeomError(`${where}: a position must have 2 or 3 numbers`);
  for (const c of p) if (typeof c !== 'number' || !Number.isFinite(c)) throw new GeomError(`${where}: coordinates must be finite numbers`);
  const [lon, lat] = p as number[];
  if (lon < -180 || lon > 180) throw new GeomError(`${where}: longitude ${lon} is outside [-180, 180] (WGS84 lon,lat expected)`);
  if (lat < -90 || lat > 90) throw new GeomError(`${where}: latitude ${lat} is outside [-90, 90] (WGS84 lon,lat expected)`);
  if (++count.n > GEOM_LIMITS.maxVertices) throw new GeomError(`more than ${GEOM_LIMITS.maxVertices} vertices`);
  if (lon < count.x0) count.x0 = lon;
  if (lon > count.x1) count.x1 = lon;
  if (lat < count.y0) count.y0 = lat;
  if (lat > count.y1) count.y1 = lat;
}

function positions(ps: unknown, where: string, min: number, count: Count) {
  if (!Array.isArray(ps)) throw new GeomError(`${where}: an array of positions is expected`);
  if (ps.length < min) throw new GeomError(`${where}: at least ${min} positions are needed`);
  ps.forEach((p, i) => position(p, `${where}[${i}]`, count));
}

function ring(r: unknown, where: string, count: Count) {
  positions(r, where, 4, count);
  const pts = r as number[][];
  const a = pts[0];
  const b = pts[pts.length - 1];
  if (a[0] !== b[0] || a[1] !== b[1]) throw new GeomError(`${where}: a polygon ring must be closed (first position = last)`);
}

function polygon(rings: unknown, where: string, count: Count) {
  if (!Array.isArray(rings) || rings.length === 0) throw new GeomError(`${where}: a polygon needs at least one ring`);
  rings.forEach((r, i) => ring(r, `${where}[${i}]`, count));
}

function many(items: unknown, where: string, each: (item: unknown, where: string) => void) {
  if (!Array.isArray(items) || items.length === 0) throw new GeomError(`${where}: a non-empty array is expected`);
  items.forEach((it, i) => each(it, `${where}[${i}]`));
}

/**
 * Parses and checks a `geom` parameter (GeoJSON text from a query string, or an object from a JSON
 * body): structure, coordinate count, WGS84 ranges, ring closure and size. Everything wrong is a 400
 * naming `geom`; what only PostGIS can judge (self-intersection) is checked there.
 */
export function parseGeom(raw: unknown, location: ParamLocation = 'query', name = 'geom'): GeomInput {
  let value = raw;
  const fail = (reason: string) => invalidParam(name, reason, location, typeof raw === 'string' && raw.length > 200 ? `${raw.slice(0, 200)}…` : raw);
  if (typeof value === 'string') {
    if (value.length > GEOM_LIMITS.maxChars) throw fail(`geometry text longer than ${GEOM_LIMITS.maxChars} characters`);
    if (jsonDepthExceeds(value)) throw fail(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw fail(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('a GeoJSON geometry object is expected');
  let g = value as Record<string, unknown>;
  if (g.type === 'Feature') {
    if (!g.geometry || typeof g.geometry !== 'object') throw fail('the Feature has no geometry');
    g = g.geometry as Record<string, unknown>;
  }
  const type = g.type as GeometryType;
  if (!TYPES.includes(type)) {
    const given = typeof g.type === 'string' ? JSON.stringify(g.type.slice(0, 40)) : typeof g.type;
    throw fail(`unsupported geometry type ${given}; expected one of ${TYPES.join(', ')}`);
  }
  const count: Count = { n: 0, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  const c = g.coordinates;
  try {
    switch (type) {
      case 'Point': position(c, 'coordinates', count); break;
      case 'MultiPoint': many(c, 'coordinates', (p, w) => position(p, w, count)); break;
      case 'LineString': positions(c, 'coordinates', 2, count); break;
      case 'MultiLineString': many(c, 'coordinates', (l, w) => positions(l, w, 2, count)); break;
      case 'Polygon': polygon(c, 'coordinates', count); break;
      case 'MultiPolygon': many(c, 'coordinates', (p, w) => polygon(p, w, count)); break;
    }
  } catch (e) {
    if (e instanceof GeomError) throw fail(e.message);
    throw e;
  }
  if (JSON.stringify(c).length > GEOM_LIMITS.maxChars) throw fail(`geometry text longer than ${GEOM_LIMITS.maxChars} characters`);
  if (count.n > HEAVY.vertices || (count.x1 - count.x0) * (count.y1 - count.y0) > HEAVY.bboxDeg2) markHeavy();
  return { geojson: JSON.stringify({ type, coordinates: c }), type, polygonal: type === 'Polygon' || type === 'MultiPolygon' };
}
