/**
 * One Mapbox Vector Tile of a collection, on either backend, from the same selection (the features
 * intersecting the tile and its buffer, in the key order, at most FEATURE_CAP):
 *
 * - PostgreSQL: one statement, `ST_SimplifyPreserveTopology` for the zoom, `ST_AsMVTGeom` (extent
 *   4096, buffer 64, clipped) and `ST_AsMVT`; the bytes come back untouched (pg_tileserv, martin).
 * - PGlite: its PostGIS is built without protobuf-c, so it has neither function. PostGIS still
 *   selects the features and simplifies them for the zoom (one pixel of the tile's 4096 grid), and
 *   `@maplibre/geojson-vt` (`geoJSONToTile`: projection, clipping, tile coordinates) and
 *   `@maplibre/vt-pbf` (protobuf) build the same tile in the process. This is the one place where JS
 *   reads coordinates, because the embedded database cannot encode a tile.
 *
 * Properties are the layer's tile properties (src/catalog/ogc.ts); the MVT feature id is the layer's
 * id column when it is an integer.
 */
import { geoJSONToTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { tileProperties } from '../catalog/ogc.ts';
import type { LayerDescriptor } from '../catalog/layer.ts';
import type { Database } from '../db/database.ts';
import { ident, Params } from '../db/sql.ts';
import type { Collection } from '../ogc/collections.ts';
import { BUFFER, EXTENT, FEATURE_CAP, tileBounds, type TileAddress } from './tile.ts';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

function integerId(layer: LayerDescriptor): boolean {
  const t = layer.columns.find((c) => c.name === layer.idColumn)?.type;
  return t === 'integer' || t === 'bigint';
}

/** FROM … WHERE of the tile's features, shared by both encoders (same rows, same order, same cap). */
function selection(c: Collection, tile: TileAddress, params: Params): string {
  const layer = c.layer;
  const [x0, y0, x1, y1] = tileBounds(tile);
  const where = [`ST_Intersects(${layer.sql.geom}, ST_MakeEnvelope(${[x0, y0, x1, y1].map((v) => `${params.add(v)}::float8`).join(', ')}, 4326))`];
  if (c.campaign !== undefined) where.push(`t.${ident(layer.campaignColumn!)} = ${params.add(c.campaign)}::int`);
  const order = [layer.idColumn, ...(layer.datasetColumn ? [layer.datasetColumn] : [])].map((k) => `t.${ident(k)}`).join(', ');
  return `FROM ${ident(layer.table)} t WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${FEATURE_CAP}`;
}

/** Generalisation by zoom: one pixel of the tile's 4096 grid, in degrees (finer detail is lost in the encoding anyway). Both encoders simplify alike. */
function pixelDegrees(tile: TileAddress): number {
  return 360 / 2 ** tile.z / EXTENT;
}

/** The MVT of a tile, or null when no feature is in it. The layer inside is named after the collection. */
export async function encodeTile(db: Database, c: Collection, tile: TileAddress, encoder: Encoder = db.backend === 'postgres' ? 'postgis' : 'js'): Promise<Uint8Array | null> {
  return encoder === 'postgis' ? postgresTile(db, c, tile) : pgliteTile(db, c, tile);
}

/** `postgis`: ST_AsMVT (PostgreSQL); `js`: PostGIS selection + geojson-vt + vt-pbf (PGlite, and the comparison test on PostgreSQL). */
export type Encoder = 'postgis' | 'js';

/** The one ST_AsMVT statement of a tile (bench/tiles.ts runs it straight on PostgreSQL too). */
export function mvtSql(c: Collection, tile: TileAddress): { sql: string; params: Params } {
  const layer = c.layer;
  const params = new Params();
  const from = selection(c, tile, params);
  const simplified = `ST_SimplifyPreserveTopology(${layer.sql.geom}, ${params.add(pixelDegrees(tile))}::float8)`;
  const env = `ST_TileEnvelope(${params.add(tile.z)}::int, ${params.add(tile.x)}::int, ${params.add(tile.y)}::int)`;
  const props = tileProperties(layer).map((p) => `${p.sql} AS ${quote(p.name)}`);
  const id = integerId(layer) ? `, t.${ident(layer.idColumn)}::bigint AS "__id"` : '';
  const sql = `SELECT ST_AsMVT(m, ${literal(c.id)}, ${EXTENT}, '__geom'${id ? `, '__id'` : ''}) AS mvt FROM (
      SELECT ST_AsMVTGeom(ST_Transform(${simplified}, 3857), ${env}, ${EXTENT}, ${BUFFER}, true) AS "__geom"${id}${props.length ? `, ${props.join(', ')}` : ''}
      ${from}
    ) m WHERE m."__geom" IS NOT NULL`;
  return { sql, params };
}

async function postgresTile(db: Database, c: Collection, tile: TileAddress): Promise<Uint8Array | null> {
  const { sql, params } = mvtSql(c, tile);
  const [row] = await db.query<{ mvt: Uint8Array | null }>(sql, params.values);
  const mvt = row?.mvt;
  return mvt && mvt.length ? new Uint8Array(mvt) : null;
}

async function pgliteTile(db: Database, c: Collection, tile: TileAddress): Promise<Uint8Array | null> {
  const layer = c.layer;
  const params = new Params();
  const from = selection(c, tile, params);
  const tolerance = pixelDegrees(tile);
  const props = tileProperties(layer);
  const json = props.length ? `json_build_object(${props.map((p) => `${literal(p.name)}, ${p.sql}`).join(', ')})::text` : `'{}'`;
  const id = integerId(layer) ? `t.${ident(layer.idColumn)}::text` : 'NULL::text';
  const rows = await db.query<{ id: string | null; props: string; g: string | null }>(
    `SELECT ${id} AS id, ${json} AS props, ST_AsGeoJSON(ST_SimplifyPreserveTopology(${layer.sql.geom}, ${params.add(tolerance)}::float8), 9) AS g ${from}`,
    params.values,
  );
  const features = [];
  for (const r of rows) {
    if (!r.g) continue;
    features.push({ type: 'Feature' as const, ...(r.id !== null ? { id: Number(r.id) } : {}), geometry: JSON.parse(r.g), properties: JSON.parse(r.props) });
  }
  if (!features.length) return null;
  const vt = geoJSONToTile({ type: 'FeatureCollection', features }, tile.z, tile.x, tile.y, { extent: EXTENT, buffer: BUFFER, clip: true, tolerance: 0, maxZoom: tile.z });
  if (!vt?.features.length) return null;
  return fromGeojsonVt({ [c.id]: vt }, { version: 2, extent: EXTENT });
}
