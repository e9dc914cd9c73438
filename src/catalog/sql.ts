/**
 * The SQL of a served layer, written once when the layer is defined: the feature as GeoJSON text
 * (built by PostGIS, never decoded in JS), its bbox, the synthetic-data flag, the table and the
 * paging order. A request only adds its WHERE clause and its LIMIT/OFFSET, whose values are bound.
 * Identifiers come from the definition (ident() refuses anything else), never from a request.
 */
import { ident } from '../db/sql.ts';

/** Decimal digits of output coordinates: 1e-8° ≈ 1 mm, well under the 1e-6° conformance tolerance. */
export const COORD_DIGITS = 8;

/**
 * What a property's SQL may write for the request's input geometry (WGS84), for properties that
 * depend on it, e.g. AOC `contains` = `ST_Contains({{input_geom}}, t.geom)`. The query binds the
 * request's geometry there as `$1`; without a `geom` in the request it reads NULL.
 */
export const INPUT_GEOM = '{{input_geom}}';
const INPUT_GEOM_SQL = 'ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326)';

/** A property as served: public name, JSON type, SQL expression over the table alias `t`. */
export interface LayerProperty {
  /** Public name, as API Carto answers it (`code_insee`, `surf_parc`). */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  sql: string;
}

export interface FeatureSqlInput {
  table: string;
  geometryColumn: string;
  /** What the answer reports as `geometry_name` (the reference's GeoServer field name). */
  geometryName: string;
  /** SQL of the feature id (`'parcelle.'::text || t."fid"`). */
  featureId: string;
  idColumn: string;
  properties: readonly LayerProperty[];
  datasetColumn?: string;
}

export interface FeatureSql {
  /** `SELECT <feature>, <bbox>, <synthetic> FROM <table> t`; `$1` is the input geometry when `inputGeom`. */
  select: string;
  /** `SELECT count(*) … FROM <table> t`, for the total when the page does not tell it. */
  count: string;
  /** `ORDER BY t.<id>`: a stable order, for paging. */
  order: string;
  /** The geometry column as `t."col"`, for the spatial condition. */
  geom: string;
  /** Some property reads the request's geometry: `$1` is reserved for it. */
  inputGeom: boolean;
}

/** A SQL string literal of a name from code (the layer definition). */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A bbox bound at the coordinates' precision: reprojected data would otherwise show float noise. */
const rounded = (fn: string, g: string) => `round(${fn}(${g})::numeric, ${COORD_DIGITS})::float8`;

function propertiesSql(properties: readonly LayerProperty[]): string {
  const pairs = properties.map((p) => `${literal(p.name)}, ${p.sql.split(INPUT_GEOM).join(INPUT_GEOM_SQL)}`);
  // json_build_object takes at most 100 arguments: chain halves for wide layers.
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 40) chunks.push(`jsonb_build_object(${pairs.slice(i, i + 40).join(', ')})`);
  if (!chunks.length) return `'{}'::json`;
  return chunks.length === 1 ? chunks[0].replace(/^jsonb/, 'json') : `(${chunks.join(' || ')})::json`;
}

/**
 * Whether a feature comes from a synthetic dataset, in the feature query itself rather than in a
 * second round trip per page: one primary-key probe of terroir_dataset per feature (a hashed
 * `IN (SELECT ...)` would hash every dataset row on each query: 1,700 on the demo département).
 */
function syntheticSql(datasetColumn: string | undefined): string {
  if (!datasetColumn) return 'false';
  return `coalesce((SELECT d.synthetic FROM terroir_dataset d WHERE d.id = t.${ident(datasetColumn)}), false)`;
}

export function featureSql(l: FeatureSqlInput): FeatureSql {
  const g = `t.${ident(l.geometryColumn)}`;
  const table = ident(l.table);
  const bbox = [rounded('ST_XMin', g), rounded('ST_YMin', g), rounded('ST_XMax', g), rounded('ST_YMax', g)];
  const select = `SELECT json_build_object(
      'type', 'Feature',
      'id', ${l.featureId},
      'geometry', ST_AsGeoJSON(${g}, ${COORD_DIGITS})::json,
      'geometry_name', ${literal(l.geometryName)}::text,
      'properties', ${propertiesSql(l.properties)},
      'bbox', CASE WHEN ${g} IS NULL THEN NULL ELSE json_build_array(${bbox.join(', ')}) END
    )::text AS feature,
    ${bbox[0]} AS x0, ${bbox[1]} AS y0, ${bbox[2]} AS x1, ${bbox[3]} AS y1,
    ${syntheticSql(l.datasetColumn)} AS synthetic
    FROM ${table} t`;
  return {
    select,
    count: `SELECT count(*)::int AS n FROM ${table} t`,
    order: `ORDER BY t.${ident(l.idColumn)}`,
    geom: g,
    inputGeom: l.properties.some((p) => p.sql.includes(INPUT_GEOM)),
  };
}
