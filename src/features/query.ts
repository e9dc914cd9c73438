import type { Condition, LayerDescriptor } from '../catalog/layer.ts';
import type { Queryable } from '../db/database.ts';
import { Params } from '../db/sql.ts';
import type { GeomInput } from '../geo/geom-param.ts';
import { invalidParam, type ParamLocation } from '../http/problems.ts';

export type { Condition };

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

const OPERATOR = { '=': (c: string, v: string) => `${c} = ${v}`, ilike: (c: string, v: string) => `${c} ILIKE ${v}`, any: (c: string, v: string) => `${c} = ANY(${v})` };

/**
 * The WHERE clause of a request: each condition on a column of the layer (its name checked against
 * the definition), the geometry intersection (GiST-indexed). When the layer's properties read the
 * input geometry, it is `$1` already and the intersection uses it too.
 */
function whereSql(layer: LayerDescriptor, q: FeatureQuery, params: Params, inputGeom: string | undefined): string {
  const parts: string[] = [];
  for (const c of q.where) parts.push(OPERATOR[c.op ?? '='](layer.column(c.column), params.add(c.value)));
  if (q.geom) parts.push(`ST_Intersects(${layer.sql.geom}, ${inputGeom ?? `ST_SetSRID(ST_GeomFromGeoJSON(${params.add(q.geom.geojson)}), 4326)`})`);
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

/**
 * The generic feature query every layer goes through: attribute conditions, `geom` intersection,
 * a stable order, and paging, on the SQL the layer built once (src/catalog/sql.ts). Returns the page
 * and the total match count (the reference's `totalFeatures`, which clients such as happign page with).
 */
export async function queryFeatures(db: Queryable, layer: LayerDescriptor, q: FeatureQuery): Promise<FeaturePage> {
  if (q.geom) await assertValidGeom(db, q.geom, q.geomLocation);
  const params = new Params();
  let inputGeom: string | undefined;
  if (layer.sql.inputGeom) {
    params.add(q.geom?.geojson ?? null);
    if (q.geom) inputGeom = 'ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326)';
  }
  const where = whereSql(layer, q, params, inputGeom);
  const sql = `${layer.sql.select} ${where} ${layer.sql.order} LIMIT ${params.add(q.limit)} OFFSET ${params.add(q.start)}`;
  const rows = await db.query<{ feature: string; x0: number | null; y0: number; x1: number; y1: number; synthetic: boolean }>(sql, params.values);

  let matched = q.start + rows.length;
  // Only count separately when the page does not already tell the total.
  if (rows.length === q.limit || (rows.length === 0 && q.start > 0)) {
    const countParams = new Params();
    const countWhere = whereSql(layer, q, countParams, undefined);
    const [c] = await db.query<{ n: number }>(`${layer.sql.count} ${countWhere}`, countParams.values);
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
