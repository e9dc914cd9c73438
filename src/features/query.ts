import type { LayerDescriptor } from '../catalog/layer.ts';
import type { Queryable } from '../db/database.ts';
import { ident, Params } from '../db/sql.ts';
import type { GeomInput } from '../geo/geom-param.ts';
import { invalidParam, type ParamLocation } from '../http/problems.ts';

/** One attribute condition: `sql` is an expression over alias `t` from code, `value` is always bound. */
export interface Condition {
  sql: string;
  op?: '=' | 'ilike' | 'any';
  value: unknown;
}

export interface FeatureQuery {
  where: Condition[];
  geom?: GeomInput;
  geomLocation?: ParamLocation;
  start: number;
  limit: number;
}

export interface FeaturePage {
  /** Each feature as GeoJSON text, built by PostGIS; JS never decodes coordinates. */
  features: string[];
  matched: number;
  bbox: [number, number, number, number] | null;
  /** Some feature of the page comes from a synthetic dataset (the demo territory). */
  synthetic?: boolean;
}

/** Decimal digits of output coordinates: 1e-8° ≈ 1 mm, well under the 1e-6° conformance tolerance. */
const COORD_DIGITS = 8;

/** A bbox bound at the coordinates' precision: reprojected data would otherwise show float noise. */
const rounded = (fn: string, g: string) => `round(${fn}(${g})::numeric, ${COORD_DIGITS})::float8`;

/**
 * What a property's SQL may write for the request's input geometry (WGS84), for properties that
 * depend on it, e.g. AOC `contains` = `ST_Contains({{input_geom}}, t.geom)`. queryFeatures binds the
 * geometry there; without a `geom` in the request it reads NULL.
 */
export const INPUT_GEOM = '{{input_geom}}';

/** propertiesSql() per layer and input-geometry expression: built once, not on every request. */
const propertiesCache = new WeakMap<LayerDescriptor, Map<string, string>>();

export function propertiesSql(layer: LayerDescriptor, inputGeom = 'NULL::geometry'): string {
  let byInput = propertiesCache.get(layer);
  if (!byInput) propertiesCache.set(layer, (byInput = new Map()));
  let sql = byInput.get(inputGeom);
  if (sql === undefined) byInput.set(inputGeom, (sql = buildPropertiesSql(layer, inputGeom)));
  return sql;
}

function buildPropertiesSql(layer: LayerDescriptor, inputGeom: string): string {
  const pairs = layer.properties.map((p) => `'${p.name}', ${(p.sql ?? `t.${ident(p.name)}`).split(INPUT_GEOM).join(inputGeom)}`);
  // json_build_object takes at most 100 arguments: chain halves for wide layers.
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 40) chunks.push(`jsonb_build_object(${pairs.slice(i, i + 40).join(', ')})`);
  return chunks.length === 1 ? chunks[0].replace(/^jsonb/, 'json') : `(${chunks.join(' || ')})::json`;
}

/**
 * Rejects polygonal inputs PostGIS considers invalid (self-intersection...), which would otherwise
 * make ST_Intersects fail with a GEOS exception, i.e. a 500 instead of the client's 400.
 */
export async function assertValidGeom(db: Queryable, geom: GeomInput, location: ParamLocation = 'query'): Promise<void> {
  if (!geom.polygonal) return;
  const [row] = await db.query<{ valid: boolean; reason: string }>(
    'SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason FROM ST_GeomFromGeoJSON($1) AS g',
    [geom.geojson],
  );
  if (!row.valid) throw invalidParam('geom', `invalid geometry (${row.reason})`, location);
}

function whereSql(layer: LayerDescriptor, q: FeatureQuery, params: Params): string {
  const parts: string[] = [];
  for (const c of q.where) {
    if (c.op === 'ilike') parts.push(`${c.sql} ILIKE ${params.add(c.value)}`);
    else if (c.op === 'any') parts.push(`${c.sql} = ANY(${params.add(c.value)})`);
    else parts.push(`${c.sql} = ${params.add(c.value)}`);
  }
  if (q.geom) {
    parts.push(`ST_Intersects(t.${ident(layer.geometryColumn)}, ST_SetSRID(ST_GeomFromGeoJSON(${params.add(q.geom.geojson)}), 4326))`);
  }
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

/**
 * The generic feature query every layer goes through: attribute conditions, `geom` intersection
 * (GiST-indexed ST_Intersects), a stable order, and paging. Returns the page and the total match
 * count (the reference's `totalFeatures`, which clients such as happign page with).
 */
export async function queryFeatures(db: Queryable, layer: LayerDescriptor, q: FeatureQuery): Promise<FeaturePage> {
  if (q.geom) await assertValidGeom(db, q.geom, q.geomLocation);
  const params = new Params();
  const where = whereSql(layer, q, params);
  const g = `t.${ident(layer.geometryColumn)}`;
  const table = ident(layer.table);
  const inputGeom =
    q.geom && layer.properties.some((p) => p.sql?.includes(INPUT_GEOM))
      ? `ST_SetSRID(ST_GeomFromGeoJSON(${params.add(q.geom.geojson)}), 4326)`
      : undefined;
  const sql = `SELECT json_build_object(
      'type', 'Feature',
      'id', ${params.add(layer.featureIdPrefix + '.')} || t.${ident(layer.idColumn)},
      'geometry', ST_AsGeoJSON(${g}, ${COORD_DIGITS})::json,
      'geometry_name', ${params.add(layer.geometryName)}::text,
      'properties', ${propertiesSql(layer, inputGeom)},
      'bbox', CASE WHEN ${g} IS NULL THEN NULL ELSE json_build_array(${rounded('ST_XMin', g)}, ${rounded('ST_YMin', g)}, ${rounded('ST_XMax', g)}, ${rounded('ST_YMax', g)}) END
    )::text AS feature,
    ${rounded('ST_XMin', g)} AS x0, ${rounded('ST_YMin', g)} AS y0, ${rounded('ST_XMax', g)} AS x1, ${rounded('ST_YMax', g)} AS y1,
    ${syntheticSql(layer)} AS synthetic
    FROM ${table} t ${where}
    ORDER BY t.${ident(layer.idColumn)}
    LIMIT ${params.add(q.limit)} OFFSET ${params.add(q.start)}`;
  const rows = await db.query<{ feature: string; x0: number | null; y0: number; x1: number; y1: number; synthetic: boolean }>(sql, params.values);

  let matched = q.start + rows.length;
  // Only count separately when the page does not already tell the total.
  if (rows.length === q.limit || (rows.length === 0 && q.start > 0)) {
    const countParams = new Params();
    const countWhere = whereSql(layer, q, countParams);
    const [c] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t ${countWhere}`, countParams.values);
    matched = c.n;
  }
  let bbox: FeaturePage['bbox'] = null;
  for (const r of rows) {
    if (r.x0 === null) continue;
    if (!bbox) bbox = [r.x0, r.y0, r.x1, r.y1];
    else bbox = [Math.min(bbox[0], r.x0), Math.min(bbox[1], r.y0), Math.max(bbox[2], r.x1), Math.max(bbox[3], r.y1)];
  }
  return { features: rows.map((r) => r.feature), matched, bbox, synthetic: rows.some((r) => r.synthetic) };
}

/**
 * Whether a feature comes from a synthetic dataset, in the feature query itself rather than in a
 * second round trip per page: one primary-key probe of terroir_dataset per feature (a hashed
 * `IN (SELECT ...)` would hash every dataset row on each query: 1,700 on the demo département).
 */
function syntheticSql(layer: LayerDescriptor): string {
  if (!layer.datasetColumn) return 'false';
  return `coalesce((SELECT d.synthetic FROM terroir_dataset d WHERE d.id = t.${ident(layer.datasetColumn)}), false)`;
}
