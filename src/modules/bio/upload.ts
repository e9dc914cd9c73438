/**
 * The contour uploaded to `PUT /api/v1/territoires`: GeoJSON (a geometry, Feature or
 * FeatureCollection of polygons) or a zipped Shapefile (.shp + .shx + .dbf, with a .prj, or the
 * query's `epsg` / `crs`). It becomes one WGS84 MultiPolygon (the union of the polygons), handed
 * on as the request's `geom`: the territory check, the audit and the selection all read that.
 *
 * Everything wrong is a 400 naming the part: `body` (not a zip or GeoJSON, a zip bomb, path
 * traversal, missing .shp/.dbf/.shx, points or lines, too many vertices), `epsg`/`crs` (no CRS).
 */
import type { Queryable } from '../../db/database.ts';
import { invalidParam } from '../../http/problems.ts';
import { GEOM_LIMITS } from '../../geo/geom-param.ts';
import { resolveWktSrid, sridFromGeojsonCrs } from '../../import/crs.ts';
import type { ByteSource } from '../../import/readers/bytes.ts';
import { readShapefile } from '../../import/readers/shapefile.ts';
import { encodingFromCpg } from '../../import/readers/shapefile-dbf.ts';
import { readZipUpload, ZipRefused, type ZipLimits } from '../../import/readers/zip.ts';

export const UPLOAD_LIMITS = {
  /** Body bytes (zip or GeoJSON). */
  maxBytes: 20 * 1024 * 1024,
  zip: { maxEntries: 20, maxTotalBytes: 100 * 1024 * 1024, maxRatio: 100, ratioFrom: 1024 * 1024 } satisfies ZipLimits,
  /** Vertices of the contour, as for the `geom` of any query. */
  maxVertices: GEOM_LIMITS.maxVertices,
} as const;

export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/vnd.shp+octet-stream', 'application/octet-stream'];

type Position = number[];
type Polygon = Position[][];

const bodyError = (reason: string) => invalidParam('body', reason, 'body');

/** Polygons of a GeoJSON geometry; anything else named. */
function polygonsOf(g: unknown, where: string, out: Polygon[], count: { n: number }) {
  if (!g || typeof g !== 'object') throw bodyError(`${where}: no geometry`);
  const geom = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  const add = (p: unknown) => {
    if (!Array.isArray(p) || !p.length) throw bodyError(`${where}: a polygon needs rings`);
    for (const ring of p) {
      if (!Array.isArray(ring) || ring.length < 4) throw bodyError(`${where}: a ring needs at least 4 positions`);
      count.n += ring.length;
      if (count.n > UPLOAD_LIMITS.maxVertices) throw bodyError(`the contour has more than ${UPLOAD_LIMITS.maxVertices} vertices`);
      for (const pos of ring) {
        if (!Array.isArray(pos) || pos.length < 2 || !pos.slice(0, 2).every((c) => typeof c === 'number' && Number.isFinite(c))) throw bodyError(`${where}: coordinates must be numbers`);
      }
    }
    out.push((p as Position[][]).map((r) => r.map((pos) => [pos[0], pos[1]])));
  };
  switch (geom.type) {
    case 'Polygon':
      return add(geom.coordinates);
    case 'MultiPolygon':
      if (!Array.isArray(geom.coordinates)) throw bodyError(`${where}: MultiPolygon without coordinates`);
      return geom.coordinates.forEach(add);
    case 'GeometryCollection':
      if (!Array.isArray(geom.geometries)) throw bodyError(`${where}: GeometryCollection without geometries`);
      return geom.geometries.forEach((x, i) => polygonsOf(x, `${where}.geometries[${i}]`, out, count));
    default:
      throw bodyError(`${where}: a ${String(geom.type)} is not a contour; only Polygon and MultiPolygon are accepted`);
  }
}

function polygonsOfGeojson(body: unknown): Polygon[] {
  const out: Polygon[] = [];
  const count = { n: 0 };
  const b = body as { type?: unknown; features?: unknown; geometry?: unknown };
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw bodyError('expected a GeoJSON object');
  if (b.type === 'FeatureCollection') {
    if (!Array.isArray(b.features) || !b.features.length) throw bodyError('the FeatureCollection has no features');
    b.features.forEach((f, i) => polygonsOf((f as { geometry?: unknown })?.geometry, `features[${i}]`, out, count));
  } else if (b.type === 'Feature') polygonsOf(b.geometry, 'geometry', out, count);
  else polygonsOf(b, 'body', out, count);
  return out;
}

/** `epsg=2154`, or `crs=EPSG:2154` / an OGC URN / `Lambert93` / `RGF93` / `WGS84`. */
export function sridOfQuery(q: { epsg?: number; crs?: string }): number | undefined {
  if (q.epsg !== undefined) return q.epsg;
  if (q.crs === undefined) return undefined;
  const s = q.crs.trim();
  const named: Record<string, number> = { lambert93: 2154, 'rgf93lambert93': 2154, wgs84: 4326, crs84: 4326, rgf93: 4171 };
  const key = s.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (named[key]) return named[key];
  const srid = sridFromGeojsonCrs({ type: 'name', properties: { name: s } });
  if (srid === undefined) throw invalidParam('crs', `${JSON.stringify(s)} is not a CRS name Terroir knows (EPSG:2154, urn:ogc:def:crs:EPSG::2154, Lambert93, RGF93, WGS84)`);
  return srid;
}

const bufferSource = (name: string, data: Buffer): ByteSource => ({
  name,
  size: data.length,
  bytesRead: 0,
  open: async () =>
    (async function* () {
      yield data;
    })(),
});

const ext = (p: string) => p.slice(p.lastIndexOf('.') + 1).toLowerCase();
const stem = (p: string) => p.slice(0, p.lastIndexOf('.')).toLowerCase();

async function polygonsOfZip(db: Queryable, buf: Buffer, query: { epsg?: number; crs?: string }): Promise<{ polygons: Polygon[]; srid: number }> {
  if (buf.length < 4 || buf.readUInt32LE(0) !== 0x04034b50) throw bodyError('not a zip archive (expected a zipped Shapefile: .shp, .shx, .dbf, .prj)');
  let members: { path: string; data: Buffer }[];
  try {
    members = await readZipUpload(buf, UPLOAD_LIMITS.zip, (p) => ['shp', 'shx', 'dbf', 'prj', 'cpg'].includes(ext(p)) && !p.split('/').pop()!.startsWith('.'));
  } catch (e) {
    if (e instanceof ZipRefused) throw bodyError(e.message);
    throw e;
  }
  const shps = members.filter((m) => ext(m.path) === 'shp');
  if (shps.length === 0) throw bodyError('the zip holds no .shp');
  if (shps.length > 1) throw bodyError(`the zip holds ${shps.length} shapefiles (${shps.map((s) => s.path).join(', ')}); send one contour layer`);
  const base = stem(shps[0].path);
  const part = (e: string) => members.find((m) => stem(m.path) === base && ext(m.path) === e);
  for (const e of ['dbf', 'shx']) if (!part(e)) throw bodyError(`the zip has no .${e} beside ${shps[0].path}`);
  const prj = part('prj');
  let srid = sridOfQuery(query);
  if (srid === undefined && prj) {
    srid = await resolveWktSrid(db, prj.data.toString('latin1').trim());
    if (srid === undefined) throw invalidParam('epsg', `the .prj names a CRS Terroir does not recognise: give epsg`, 'query');
  }
  if (srid === undefined) throw invalidParam('epsg', 'the zip has no .prj: give epsg (e.g. 2154) or crs', 'query');
  const cpg = part('cpg');
  let encoding: string | undefined;
  try {
    encoding = cpg ? encodingFromCpg(cpg.data.toString('latin1')) : undefined;
  } catch {
    encoding = undefined;
  }
  const polygons: Polygon[] = [];
  const count = { n: 0 };
  try {
    for await (const f of readShapefile({ shp: bufferSource(shps[0].path, shps[0].data), dbf: bufferSource(part('dbf')!.path, part('dbf')!.data) }, { encoding })) {
      if (f.geometry === null) continue;
      polygonsOf(f.geometry, `${shps[0].path} record ${f.index}`, polygons, count);
    }
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode) throw e;
    throw bodyError(`${shps[0].path}: ${(e as Error).message}`);
  }
  if (!polygons.length) throw bodyError(`${shps[0].path} holds no polygon`);
  return { polygons, srid };
}

/**
 * The uploaded contour as WGS84 MultiPolygon GeoJSON text: the union of its polygons (overlaps and
 * adjacent parts merged on a 1e-9° grid), invalid rings made valid.
 */
export async function contourOf(db: Queryable, body: unknown, query: { epsg?: number; crs?: string }): Promise<string> {
  let polygons: Polygon[];
  let srid: number;
  if (Buffer.isBuffer(body)) {
    if (body.length > UPLOAD_LIMITS.maxBytes) throw bodyError(`larger than ${UPLOAD_LIMITS.maxBytes} bytes`);
    ({ polygons, srid } = await polygonsOfZip(db, body, query));
  } else {
    polygons = polygonsOfGeojson(body);
    const crs = (body as { crs?: unknown }).crs;
    const own = crs === undefined ? undefined : sridFromGeojsonCrs(crs);
    if (crs !== undefined && own === undefined) throw invalidParam('crs', `the GeoJSON crs member is not one Terroir knows: ${JSON.stringify(crs).slice(0, 100)}`, 'body');
    srid = sridOfQuery(query) ?? own ?? 4326;
  }
  const [known] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM spatial_ref_sys WHERE srid = $1', [srid]);
  if (!known.n) throw invalidParam(query.crs !== undefined ? 'crs' : 'epsg', `EPSG:${srid} is not a CRS PostGIS knows`, 'query');
  const multi = JSON.stringify({ type: 'MultiPolygon', coordinates: polygons });
  const reproject = db.query<{ g: string | null; xmin: number; ymin: number; xmax: number; ymax: number }>(
    `WITH src AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), $2::int) AS g),
          wgs AS (SELECT ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_MakeValid(ST_Transform(g, 4326)), 1e-9), 3)) AS g FROM src)
     SELECT CASE WHEN ST_IsEmpty(g) THEN NULL ELSE ST_AsGeoJSON(g, 9) END AS g, ST_XMin(g) AS xmin, ST_YMin(g) AS ymin, ST_XMax(g) AS xmax, ST_YMax(g) AS ymax FROM wgs`,
    [multi, srid],
  );
  // A contour whose numbers are not in that CRS can make PROJ fail (latitude beyond 90°…): the CRS is what is wrong.
  const [r] = await reproject.catch((e: Error) => {
    throw invalidParam(query.crs !== undefined ? 'crs' : 'epsg', `the contour cannot be read in EPSG:${srid} (${e.message})`, 'query');
  });
  if (!r?.g) throw bodyError('the contour has no area');
  if (r.xmin < -180 || r.xmax > 180 || r.ymin < -90 || r.ymax > 90) {
    throw invalidParam('epsg', `the coordinates are not in EPSG:${srid} (they fall outside the world once reprojected): give the right epsg`, 'query');
  }
  return r.g;
}
