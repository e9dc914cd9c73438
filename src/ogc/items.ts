/**
 * The items of a collection: the request's parameters checked (each bad one a 400 naming it), then
 * one SQL statement over the layer's table with every value bound and every name from the catalogue.
 *
 * Paging is by keyset, not offset: the page is ordered by the layer's id column (and dataset, which
 * makes it unique across datasets of one campaign), and the `next` link carries an opaque cursor
 * holding the last key, so the 50th page costs what the first does (an index range scan, not 49
 * pages read and thrown away). The cursor also carries numberMatched, counted once on the first page.
 */
import type { Queryable } from '../db/database.ts';
import { ident, Params } from '../db/sql.ts';
import { HttpProblem, invalidParam } from '../http/problems.ts';
import type { LayerDescriptor } from '../catalog/layer.ts';
import { CRSS, crsParam, type Crs } from './crs.ts';
import { compile, geometryLiterals, type Queryables } from './cql2/compile.ts';
import { parseCql2Json } from './cql2/json.ts';
import { parseCql2Text } from './cql2/text.ts';
import { checkGeometry, filterError, type Expr } from './cql2/tree.ts';
import type { Collection, Collections } from './collections.ts';
import { queryablesOf } from './queryables.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** Parameters of /items other than the queryables (each documented in the OpenAPI document). */
export const ITEMS_PARAMS = ['limit', 'bbox', 'bbox-crs', 'crs', 'datetime', 'filter', 'filter-lang', 'filter-crs', 'cursor', 'f', 'apikey'] as const;

export type Query = Record<string, string | string[] | undefined>;

export interface ItemsRequest {
  limit: number;
  crs: Crs;
  /** WHERE conditions (SQL over alias `t`), values in `params`. */
  where: string[];
  params: Params;
  /** Only the collection's own condition (its campaign): the cached count is numberMatched. */
  unfiltered: boolean;
  cursor?: Cursor;
  geometryChecks: { geojson: object; at: string; param: string }[];
}

interface Cursor {
  key: unknown[];
  matched: number | null;
}

/** One value of a query parameter (given twice is a 400: which one would count?). */
export function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw invalidParam(name, 'given more than once');
  return v;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,6}$/.test(raw)) throw invalidParam('limit', `an integer from 1 to ${MAX_LIMIT}`, 'query', raw);
  const n = Number(raw);
  if (n < 1 || n > MAX_LIMIT) throw invalidParam('limit', `an integer from 1 to ${MAX_LIMIT}`, 'query', raw);
  return n;
}

/** `bbox=x0,y0,x1,y1` (or 6 numbers with heights), in `bbox-crs`, to a WGS84 envelope. */
function bboxSql(raw: string, crs: Crs, params: Params): string {
  const parts = raw.split(',');
  if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(p))) {
    throw invalidParam('bbox', 'four numbers (or six with heights) separated by commas: minx,miny,maxx,maxy', 'query', raw);
  }
  const n = parts.map(Number);
  let [x0, y0, x1, y1] = n.length === 4 ? n : [n[0], n[1], n[3], n[4]];
  if (crs.latFirst) [x0, y0, x1, y1] = [y0, x0, y1, x1];
  if (x0 > x1 || y0 > y1) throw invalidParam('bbox', 'the lower corner is above or right of the upper one (a box across the antimeridian is not supported)', 'query', raw);
  if (crs.srid === 4326 && (x0 < -180 || x1 > 180 || y0 < -90 || y1 > 90)) throw invalidParam('bbox', 'outside WGS84 bounds', 'query', raw);
  const env = `ST_MakeEnvelope(${params.add(x0)}::float8, ${params.add(y0)}::float8, ${params.add(x1)}::float8, ${params.add(y1)}::float8, ${crs.srid})`;
  return crs.srid === 4326 ? env : `ST_Transform(${env}, 4326)`;
}

/** `datetime` (instant or interval, `..` open) against a campaign year. */
function datetimeSql(raw: string, c: Collection): string {
  if (c.campaign === undefined) throw invalidParam('datetime', `collection ${c.id} has no temporal extent (only RPG campaigns have one)`, 'query', raw);
  const bound = (s: string, end: boolean) => {
    if (s === '..' || s === '') return end ? Infinity : -Infinity;
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) || Number.isNaN(Date.parse(s))) {
      throw invalidParam('datetime', 'an RFC 3339 date-time or date, or an interval start/end (`..` for an open end)', 'query', raw);
    }
    return Date.parse(s);
  };
  const [a, b] = raw.includes('/') ? raw.split('/') : [raw, raw];
  if (raw.split('/').length > 2) throw invalidParam('datetime', 'at most one `/`', 'query', raw);
  const start = bound(a, false);
  const end = bound(b, true);
  if (start > end) throw invalidParam('datetime', 'the interval ends before it starts', 'query', raw);
  const yStart = Date.UTC(c.campaign, 0, 1);
  const yEnd = Date.UTC(c.campaign + 1, 0, 1) - 1;
  return start <= yEnd && end >= yStart ? 'TRUE' : 'FALSE';
}

/** A property filter's value as the property's type. */
function propertyValue(name: string, raw: string, type: string, params: Params): string {
  if (type === 'integer' || type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) throw invalidParam(name, `a ${type}`, 'query', raw);
    return `${params.add(n)}::${type === 'integer' ? 'bigint' : 'float8'}`;
  }
  if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw invalidParam(name, 'true or false', 'query', raw);
    return `${params.add(raw === 'true')}::boolean`;
  }
  return `${params.add(raw)}::text`;
}

function parseFilter(q: Query): Expr | undefined {
  const text = single(q, 'filter');
  const lang = single(q, 'filter-lang') ?? 'cql2-text';
  if (lang !== 'cql2-text' && lang !== 'cql2-json') throw invalidParam('filter-lang', 'cql2-text or cql2-json', 'query', lang);
  if (text === undefined) return undefined;
  return lang === 'cql2-json' ? parseCql2Json(text) : parseCql2Text(text);
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.key, c.matched])).toString('base64url');
}

function decodeCursor(raw: string, width: number): Cursor {
  const bad = () => invalidParam('cursor', 'not a cursor of this server (take it from a `next` link)', 'query', raw);
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(raw)) throw bad();
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[0]) || v[0].length !== width) throw bad();
    if (!v[0].every((k: unknown) => typeof k === 'string' || typeof k === 'number')) throw bad();
    if (v[1] !== null && !(Number.isInteger(v[1]) && v[1] >= 0)) throw bad();
    return { key: v[0], matched: v[1] };
  } catch (e) {
    if (e instanceof HttpProblem) throw e;
    throw bad();
  }
}

/** The columns the keyset orders by: the id column, then the dataset (unique together). */
export function keyColumns(layer: LayerDescriptor): { name: string; type: string }[] {
  const names = [layer.idColumn, ...(layer.datasetColumn ? [layer.datasetColumn] : [])];
  return names.map((name) => ({ name, type: layer.columns.find((c) => c.name === name)!.type }));
}

/** Checks the parameters of an items request and turns them into conditions. */
export function itemsRequest(c: Collection, q: Query): ItemsRequest {
  const layer = c.layer;
  const queryables: Queryables = queryablesOf(layer);
  for (const name of Object.keys(q)) {
    if (!(ITEMS_PARAMS as readonly string[]).includes(name) && !queryables.properties.has(name)) {
      throw invalidParam(name, `unknown parameter; the queryables of ${c.id} are ${[...queryables.properties.keys()].join(', ')}`);
    }
  }
  const params = new Params();
  const where: string[] = [];
  if (c.campaign !== undefined) where.push(`t.${ident(layer.campaignColumn!)} = ${params.add(c.campaign)}::int`);
  const own = where.length;
  const crs = crsParam('crs', single(q, 'crs'));
  const bboxCrs = crsParam('bbox-crs', single(q, 'bbox-crs'));
  const bbox = single(q, 'bbox');
  if (bbox !== undefined) where.push(`ST_Intersects(${layer.sql.geom}, ${bboxSql(bbox, bboxCrs, params)})`);
  else if (q['bbox-crs'] !== undefined) throw invalidParam('bbox-crs', 'given without bbox');
  const datetime = single(q, 'datetime');
  if (datetime !== undefined) where.push(datetimeSql(datetime, c));
  for (const [name, p] of queryables.properties) {
    const raw = single(q, name);
    if (raw !== undefined) where.push(`${p.sql} = ${propertyValue(name, raw, p.type, params)}`);
  }
  const filter = parseFilter(q);
  const geometryChecks: ItemsRequest['geometryChecks'] = [];
  if (filter) {
    const filterCrs = crsParam('filter-crs', single(q, 'filter-crs'));
    where.push(compile(filter, { queryables, params, crs: filterCrs }));
    for (const g of geometryLiterals(filter)) geometryChecks.push({ ...g, param: 'filter' });
  } else if (q['filter-crs'] !== undefined) throw invalidParam('filter-crs', 'given without filter');
  const rawCursor = single(q, 'cursor');
  return {
    limit: parseLimit(single(q, 'limit')),
    crs,
    where,
    params,
    unfiltered: where.length === own,
    cursor: rawCursor === undefined ? undefined : decodeCursor(rawCursor, keyColumns(layer).length),
    geometryChecks,
  };
}

/** Geometry literals PostGIS cannot read, or invalid polygons, are the client's 400, found before the query. */
export async function checkGeometries(db: Queryable, checks: ItemsRequest['geometryChecks']): Promise<void> {
  for (const g of checks) {
    checkGeometry(g.geojson as Parameters<typeof checkGeometry>[0], g.at);
    let reason: string | null;
    try {
      const [row] = await db.query<{ reason: string | null }>(
        `SELECT CASE WHEN ST_IsValid(g) THEN NULL ELSE ST_IsValidReason(g) END AS reason FROM ST_GeomFromGeoJSON($1::text) AS g`,
        [JSON.stringify(g.geojson)],
      );
      // No row at all is PGlite's GEOS failing without an error: the geometry is not usable either.
      reason = row ? row.reason : 'not a geometry PostGIS can read';
    } catch {
      reason = 'not a geometry PostGIS can read';
    }
    if (reason) throw filterError(g.at, `invalid geometry (${reason})`, g.param);
  }
}

/** The geometry as answered in `crs` (lat/lon order for EPSG:4326). */
export function outputGeometry(layer: LayerDescriptor, crs: Crs): string {
  let g = layer.sql.geom;
  if (crs.srid !== 4326) g = `ST_Transform(${g}, ${crs.srid})`;
  if (crs.latFirst) g = `ST_FlipCoordinates(${g})`;
  return g;
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `json_build_object` of the served properties (chained by 40 pairs: the function takes at most 100 arguments). */
export function propertiesJson(layer: LayerDescriptor): string {
  const pairs = [...queryablesOf(layer).properties].map(([name, p]) => `${literal(name)}, ${p.sql}`);
  if (!pairs.length) return `'{}'::json`;
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 40) chunks.push(`jsonb_build_object(${pairs.slice(i, i + 40).join(', ')})`);
  return chunks.length === 1 ? chunks[0].replace(/^jsonb/, 'json') : `(${chunks.join(' || ')})::json`;
}

export type ItemsFormat = 'json' | 'html' | 'csv';

export interface ItemsPage {
  /** GeoJSON Feature text per feature as PostgreSQL wrote it (json, html), or CSV record values (csv). */
  rows: { feature?: string; values?: unknown[]; svg?: string }[];
  /**
   * json: the features as a few texts of FEATURES_PER_CHUNK features each, joined by PostgreSQL
   * (chunkedPageSql): written out one after the other, never parsed or joined here.
   */
  chunks?: string[];
  /** Features in the page. */
  returned: number;
  matched: number | null;
  next?: string;
  /** Page extent in Web Mercator, for the HTML map. */
  mercator?: [number, number, number, number] | null;
}

/**
 * One GeoJSON Feature as text, written by PostgreSQL. The geometry's GeoJSON (by far the largest
 * part) is spliced in as ST_AsGeoJSON writes it, rather than cast to json and written out again
 * inside json_build_object: the same text for a third less of the database's work on a page of
 * parcels (bench/ogc.ts). The id goes through to_json (escaped), the properties through json_build_object.
 */
export function featureText(layer: LayerDescriptor, geometry: string, digits: number): string {
  return `'{"type":"Feature","id":' || to_json(${layer.featureId})::text || ',"geometry":' || coalesce(ST_AsGeoJSON(${geometry}, ${digits}), 'null') || ',"properties":' || (${propertiesJson(layer)})::text || '}'`;
}

/** The page's SQL: the request's conditions, the cursor's keyset bound, limit + 1 rows (bench/ogc.ts runs it straight on the database too). */
export function pageSql(c: Collection, r: ItemsRequest, format: ItemsFormat): { sql: string; params: Params } {
  const layer = c.layer;
  const keys = keyColumns(layer);
  const where = [...r.where];
  const pageParams = new Params();
  pageParams.values.push(...r.params.values);
  if (r.cursor) {
    const cols = keys.map((k) => `t.${ident(k.name)}`).join(', ');
    const vals = keys.map((k, i) => `${pageParams.add(r.cursor!.key[i])}::${k.type}`).join(', ');
    // The leading key alone first: an index on the id column serves it even when no index holds the whole key.
    if (keys.length > 1) where.push(`t.${ident(keys[0].name)} >= ${pageParams.add(r.cursor.key[0])}::${keys[0].type}`);
    where.push(`(${cols}) > (${vals})`);
  }
  const g = outputGeometry(layer, r.crs);
  const columns =
    format === 'csv'
      ? `json_build_array(${layer.featureId}, ${[...queryablesOf(layer).properties.values()].map((p) => p.sql).join(', ')}${queryablesOf(layer).properties.size ? ', ' : ''}ST_AsText(${g}, ${r.crs.digits}))::text AS values`
      : `${featureText(layer, g, r.crs.digits)} AS feature`;
  const svg = format === 'html' ? `, ST_AsSVG(ST_Transform(${layer.sql.geom}, 3857), 0, 0) AS svg, ST_Extent(ST_Transform(${layer.sql.geom}, 3857)) OVER () AS ext` : '';
  const keySelect = keys.map((k, i) => `t.${ident(k.name)} AS k${i}`).join(', ');
  const sql = `SELECT ${columns}, ${keySelect}${svg} FROM ${ident(layer.table)} t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${keys.map((k) => `t.${ident(k.name)}`).join(', ')} LIMIT ${pageParams.add(r.limit + 1)}`;
  return { sql, params: pageParams };
}

/** Features per chunk of a GeoJSON page (about 100 kB for parcels). */
export const FEATURES_PER_CHUNK = 200;

/**
 * The GeoJSON page's SQL: the page's rows (pageSql, limit + 1) numbered in key order and joined by
 * PostgreSQL into texts of FEATURES_PER_CHUNK features (`string_agg`), each with its feature count and
 * last key, and the highest row number (above the limit: a next page exists). The process receives a
 * handful of large values instead of a row per feature: measured against a row per feature and
 * against the chunks as bytea (hex on the wire), interleaved on the same server load, it answers
 * about 15 % more pages per second than rows and 35 % more than bytea (docs/ogc.md#speed).
 */
export function chunkedPageSql(c: Collection, r: ItemsRequest): { sql: string; params: Params } {
  const { sql, params } = pageSql(c, r, 'json');
  const keys = keyColumns(c.layer).map((_, i) => `p.k${i}`);
  const limit = params.add(r.limit);
  const chunked = `SELECT string_agg(q.feature, ',' ORDER BY q.rn) FILTER (WHERE q.rn <= ${limit}) AS text,
      count(*) FILTER (WHERE q.rn <= ${limit})::int AS n,
      max(q.rn)::int AS last_row,
      (array_agg(q.k ORDER BY q.rn DESC) FILTER (WHERE q.rn <= ${limit}))[1] AS last_key
    FROM (SELECT p.feature, json_build_array(${keys.map((k) => `${k}::text`).join(', ')})::text AS k, row_number() OVER (ORDER BY ${keys.join(', ')}) AS rn FROM (${sql}) p) q
    GROUP BY (q.rn - 1) / ${FEATURES_PER_CHUNK} ORDER BY (q.rn - 1) / ${FEATURES_PER_CHUNK}`;
  return { sql: chunked, params };
}

async function countMatched(db: Queryable, collections: Collections, c: Collection, r: ItemsRequest): Promise<number | null> {
  if (r.cursor) return r.cursor.matched;
  if (r.unfiltered) return (await collections.stats(c)).count;
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(c.layer.table)} t WHERE ${r.where.join(' AND ')}`, r.params.values);
  return row.n;
}

/** Runs the items request: one query for the page (limit + 1 rows, to know whether a next page exists), one count on the first page when it is not known already. */
export async function fetchItems(db: Queryable, collections: Collections, c: Collection, r: ItemsRequest, format: ItemsFormat): Promise<ItemsPage> {
  await checkGeometries(db, r.geometryChecks);
  const layer = c.layer;
  const matched = await countMatched(db, collections, c, r);
  if (format === 'json') {
    const { sql, params } = chunkedPageSql(c, r);
    const rows = await db.query<{ text: string | null; n: number; last_row: number; last_key: string | null }>(sql, params.values);
    const filled = rows.filter((x) => x.n > 0);
    const lastKey = filled.at(-1)?.last_key;
    return {
      rows: [],
      chunks: filled.map((x) => x.text!),
      returned: filled.reduce((sum, x) => sum + x.n, 0),
      matched,
      next: rows.some((x) => x.last_row > r.limit) && lastKey ? encodeCursor({ key: JSON.parse(lastKey) as string[], matched }) : undefined,
    };
  }
  const { sql, params: pageParams } = pageSql(c, r, format);
  const rows = await db.query<{ feature?: string; values?: string; svg?: string; ext?: string | null } & Record<string, unknown>>(sql, pageParams.values);
  const keys = keyColumns(layer);
  const more = rows.length > r.limit;
  if (more) rows.length = r.limit;
  const last = rows.at(-1);
  const next = more && last ? encodeCursor({ key: keys.map((_, i) => normaliseKey(last[`k${i}`])), matched }) : undefined;
  return {
    rows: rows.map((x) => ({ feature: x.feature, values: x.values ? JSON.parse(x.values) : undefined, svg: x.svg })),
    returned: rows.length,
    matched,
    next,
    mercator: format === 'html' ? parseBox(rows[0]?.ext ?? null) : undefined,
  };
}

/** bigint keys come back as strings from one driver and numbers from the other: keep them exact as text. */
function normaliseKey(v: unknown): string | number {
  return typeof v === 'bigint' ? v.toString() : (v as string | number);
}

/** `BOX(x0 y0,x1 y1)` (ST_Extent's text) to numbers. */
function parseBox(s: string | null): [number, number, number, number] | null {
  const m = s && /BOX\(([^ ]+) ([^,]+),([^ ]+) ([^)]+)\)/.exec(String(s));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}

/** One feature by its id (`parcelles_graphiques.123`): the id column's value, then the whole id compared. */
export async function fetchItem(db: Queryable, c: Collection, fid: string, crs: Crs, bbox?: string): Promise<string | null> {
  const layer = c.layer;
  const dot = fid.lastIndexOf('.');
  const key = fid.slice(dot + 1);
  const type = layer.columns.find((x) => x.name === layer.idColumn)!.type;
  if ((type === 'integer' || type === 'bigint') && !/^-?\d{1,18}$/.test(key)) return null;
  const params = new Params();
  const where = [`t.${ident(layer.idColumn)} = ${params.add(key)}::${type}`, `${layer.featureId} = ${params.add(fid)}::text`];
  if (c.campaign !== undefined) where.push(`t.${ident(layer.campaignColumn!)} = ${params.add(c.campaign)}::int`);
  if (bbox !== undefined) where.push(`ST_Intersects(${layer.sql.geom}, ${bboxSql(bbox, CRSS[0], params)})`);
  const g = outputGeometry(layer, crs);
  const rows = await db.query<{ feature: string }>(
    `SELECT ${featureText(layer, g, crs.digits)} AS feature
     FROM ${ident(layer.table)} t WHERE ${where.join(' AND ')} LIMIT 2`,
    params.values,
  );
  return rows[0]?.feature ?? null;
}

export { CRSS };
