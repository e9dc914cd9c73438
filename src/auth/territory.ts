/**
 * Territories. When an organisation is saved, its territory (administrative units by code and/or a
 * drawn geometry) is resolved from the loaded administrative contours into one geometry and the list
 * of communes it covers; a code whose contour is not loaded is refused then, never left open. When a
 * restricted request names a territory, a code is checked against that commune list (exact, no
 * geometry), a `geom` against the geometry (PostGIS), and what lies outside is named.
 */
import type { Queryable } from '../db/database.ts';
import { parseGeom, type GeomInput } from '../geo/geom-param.ts';
import { HttpProblem, invalidParam, type ParamLocation } from '../http/problems.ts';
import type { TerritorySource } from './access.ts';

export type UnitKind = 'commune' | 'epci' | 'departement' | 'region';
export const UNIT_KINDS: readonly UnitKind[] = ['commune', 'epci', 'departement', 'region'];

export interface TerritoryUnit {
  kind: UnitKind;
  code: string;
}

/** What an organisation declares: units, a drawn geometry (GeoJSON), or the whole country. */
export interface TerritorySpec {
  units: TerritoryUnit[];
  geometry: { type: string; coordinates: unknown } | null;
  national: boolean;
}

export class TerritoryError extends Error {}

const CODE_RE: Record<UnitKind, RegExp> = {
  commune: /^(\d{5}|2[AB]\d{3})$/,
  epci: /^\d{9}$/,
  departement: /^(\d{2}|2[AB]|97\d)$/,
  region: /^\d{2}$/,
};
const ALIASES: Record<string, UnitKind> = {
  commune: 'commune', com: 'commune', insee: 'commune',
  epci: 'epci', siren: 'epci',
  departement: 'departement', dep: 'departement',
  region: 'region', reg: 'region',
};
const TABLE: Record<UnitKind, string> = { commune: 'limites_commune', epci: 'limites_epci', departement: 'limites_departement', region: 'limites_region' };

/**
 * `epci:200067106,commune:47001,dep:47,region:75` (or `france` for the whole country) → units. A
 * drawn geometry comes separately (a GeoJSON polygon). Codes are checked for shape here, for
 * existence and contour when the organisation is saved.
 */
export function parseTerritory(text: string | undefined, geometry?: unknown): TerritorySpec {
  const items = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const national = items.some((i) => i === 'france' || i === 'national');
  const units: TerritoryUnit[] = [];
  for (const item of items) {
    if (item === 'france' || item === 'national') continue;
    const [k, code, extra] = item.split(':');
    const kind = ALIASES[k?.toLowerCase()];
    if (!kind || code === undefined || extra !== undefined) {
      throw new TerritoryError(`territory: ${JSON.stringify(item)} is not kind:code (kinds: commune, epci, dep, region; or france)`);
    }
    if (!CODE_RE[kind].test(code)) throw new TerritoryError(`territory: ${JSON.stringify(code)} is not a ${kind} code`);
    if (!units.some((u) => u.kind === kind && u.code === code)) units.push({ kind, code });
  }
  let drawn: TerritorySpec['geometry'] = null;
  if (geometry !== undefined && geometry !== null) {
    let g: GeomInput;
    try {
      g = parseGeom(geometry, 'body', 'geometry');
    } catch (e) {
      throw new TerritoryError((e as Error).message);
    }
    if (!g.polygonal) throw new TerritoryError('geometry: a territory is drawn as a Polygon or MultiPolygon');
    drawn = JSON.parse(g.geojson);
  }
  if (national && (units.length || drawn)) throw new TerritoryError('territory: `france` is the whole country; give no unit or geometry with it');
  if (!national && !units.length && !drawn) throw new TerritoryError('territory: give units (epci:…, commune:…, dep:…, region:…), a geometry, or france');
  return { units, geometry: drawn, national };
}

export function formatTerritory(spec: TerritorySpec): string {
  if (spec.national) return 'france';
  const parts = spec.units.map((u) => `${u.kind === 'departement' ? 'dep' : u.kind}:${u.code}`);
  if (spec.geometry) parts.push('geometry');
  return parts.join(',');
}

const codesOf = (spec: TerritorySpec, kind: UnitKind) => spec.units.filter((u) => u.kind === kind).map((u) => u.code);

/**
 * Resolves and stores the territory of organisation `id` (inside the caller's transaction): every
 * unit must exist with its contour loaded; the geometry is the union of the contours and the drawn
 * geometry; the commune list is the units' communes plus those inside the drawn geometry.
 */
export async function saveTerritory(tx: Queryable, id: number, spec: TerritorySpec): Promise<{ communes: number; areaKm2: number | null }> {
  await tx.query('DELETE FROM auth_territory_commune WHERE organisation = $1', [id]);
  if (spec.national) {
    await tx.query('UPDATE auth_organisation SET territory_geom = NULL, national = true WHERE id = $1', [id]);
    return { communes: 0, areaKm2: null };
  }
  for (const kind of UNIT_KINDS) {
    const codes = codesOf(spec, kind);
    if (!codes.length) continue;
    const rows = await tx.query<{ code: string; has: boolean }>(`SELECT code, geom IS NOT NULL AS has FROM ${TABLE[kind]} WHERE code = ANY($1::text[])`, [codes]);
    const found = new Map(rows.map((r) => [r.code, r.has]));
    for (const code of codes) {
      if (!found.has(code)) throw new TerritoryError(`territory: ${kind} ${code} is not a known administrative unit`);
      if (!found.get(code)) {
        throw new TerritoryError(`territory: ${kind} ${code} has no contour loaded (terroir import limites-administratives.${kind} …): refused rather than left open`);
      }
    }
  }
  const drawn = spec.geometry ? JSON.stringify(spec.geometry) : null;
  if (drawn) {
    const [v] = await tx.query<{ valid: boolean; reason: string }>('SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason FROM ST_GeomFromGeoJSON($1) AS g', [drawn]);
    if (!v.valid) throw new TerritoryError(`geometry: invalid polygon (${v.reason})`);
  }
  const args = [codesOf(spec, 'commune'), codesOf(spec, 'epci'), codesOf(spec, 'departement'), codesOf(spec, 'region'), drawn];
  // One part alone is kept as it is; several are unioned on a 1e-8° grid (the form that does not
  // fail silently in PGlite's GEOS, see README "Known limits").
  const [r] = await tx.query<{ area: number | null; empty: boolean | null }>(
    `WITH parts AS (
       SELECT geom FROM limites_commune WHERE code = ANY($1::text[])
       UNION ALL SELECT geom FROM limites_epci WHERE code = ANY($2::text[])
       UNION ALL SELECT geom FROM limites_departement WHERE code = ANY($3::text[])
       UNION ALL SELECT geom FROM limites_region WHERE code = ANY($4::text[])
       UNION ALL SELECT ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326) WHERE $5::text IS NOT NULL
     ), u AS (
       SELECT CASE WHEN count(*) = 1 THEN ST_Multi(ST_CollectionExtract(ST_MakeValid((array_agg(geom))[1]), 3))
                   ELSE ST_Multi(ST_CollectionExtract(ST_Union(ST_MakeValid(geom), 1e-8), 3)) END AS g
       FROM parts
     ), upd AS (
       UPDATE auth_organisation o SET territory_geom = u.g, national = false FROM u WHERE o.id = $6 AND NOT ST_IsEmpty(u.g)
       RETURNING ST_Area(u.g::geography) / 1e6 AS area
     )
     SELECT (SELECT area FROM upd) AS area, (SELECT ST_IsEmpty(g) FROM u) AS empty`,
    [...args, id],
  );
  if (!r || r.area === null) throw new TerritoryError('territory: the contours gave an empty geometry (refused rather than left open)');
  await tx.query(
    `INSERT INTO auth_territory_commune (organisation, commune)
     SELECT $6, c FROM (
       SELECT unnest($1::text[]) AS c
       UNION SELECT commune FROM limites_epci_commune WHERE epci = ANY($2::text[])
       UNION SELECT code FROM limites_commune WHERE departement = ANY($3::text[])
       UNION SELECT code FROM limites_commune WHERE region = ANY($4::text[])
       UNION SELECT c.code FROM limites_commune c
             WHERE $5::text IS NOT NULL AND c.geom IS NOT NULL AND ST_CoveredBy(c.geom, ST_SetSRID(ST_GeomFromGeoJSON($5::text), 4326))
     ) AS x`,
    [...args, id],
  );
  const [n] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_territory_commune WHERE organisation = $1', [id]);
  return { communes: n.n, areaKm2: Math.round(r.area * 100) / 100 };
}

/** What a request names in one territory source, once validated. */
export interface TerritoryAsk {
  source: TerritorySource;
  /** A code, or the parsed `geom`. */
  value: string | GeomInput;
}

const LOCATION: Record<TerritorySource['in'], ParamLocation> = { params: 'params', query: 'query', body: 'body' };

/** The values a request gives for the route's territory sources (arrays: each element). */
export function territoryAsks(sources: readonly TerritorySource[], req: { params?: unknown; query?: unknown; body?: unknown }): TerritoryAsk[] {
  const asks: TerritoryAsk[] = [];
  for (const source of sources) {
    const container = req[source.in] as Record<string, unknown> | undefined;
    const raw = container && typeof container === 'object' ? container[source.name] : undefined;
    if (raw === undefined || raw === null || raw === '') continue;
    if (source.kind === 'bbox') {
      asks.push({ source, value: bboxAsk(source, raw, container!['bbox-crs']) });
      continue;
    }
    if (source.kind === 'tile') {
      asks.push({ source, value: tileAsk(source, container!) });
      continue;
    }
    for (const v of source.kind !== 'geom' && Array.isArray(raw) ? raw : [raw]) {
      asks.push({ source, value: source.kind === 'geom' ? parseGeom(v, LOCATION[source.in], source.name) : String(v) });
    }
  }
  return asks;
}

const CRS84_URIS = ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/OGC/0/CRS84'];

/** A longitude/latitude box as the polygon it covers. */
function boxPolygon(x0: number, y0: number, x1: number, y1: number): GeomInput {
  const ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
  return { geojson: JSON.stringify({ type: 'Polygon', coordinates: [ring] }), type: 'Polygon', polygonal: true };
}

/** OGC `bbox=minx,miny,maxx,maxy` (CRS84; six numbers with heights) as a polygon, each fault a 400 naming it. */
function bboxAsk(source: TerritorySource, raw: unknown, crs: unknown): GeomInput {
  const where = LOCATION[source.in];
  if (crs !== undefined && !(typeof crs === 'string' && CRS84_URIS.includes(crs))) {
    throw invalidParam('bbox-crs', `a collection served on a territory takes its ${source.name} in CRS84 (${CRS84_URIS[0]})`, where, crs);
  }
  const parts = typeof raw === 'string' ? raw.split(',') : [];
  const n = parts.map((p) => (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(p) ? Number(p) : NaN));
  if ((n.length !== 4 && n.length !== 6) || n.some((v) => !Number.isFinite(v))) {
    throw invalidParam(source.name, 'four numbers (or six with heights) separated by commas: minx,miny,maxx,maxy', where, raw);
  }
  const [x0, y0, x1, y1] = n.length === 4 ? n : [n[0], n[1], n[3], n[4]];
  if (x0 > x1 || y0 > y1 || x0 < -180 || x1 > 180 || y0 < -90 || y1 > 90) {
    throw invalidParam(source.name, 'a box inside WGS84 bounds, lower corner first', where, raw);
  }
  return boxPolygon(x0, y0, x1, y1);
}

/** The tile of the path (WebMercatorQuad) as the polygon it covers; the zoom parameter names the source. */
function tileAsk(source: TerritorySource, params: Record<string, unknown>): GeomInput {
  const [xName, yName] = source.name === 'tileMatrix' ? ['tileCol', 'tileRow'] : ['x', 'y'];
  const int = (name: string, max: number) => {
    const s = String(params[name] ?? '');
    if (!/^\d{1,8}$/.test(s) || Number(s) > max) throw invalidParam(name, `an integer from 0 to ${max}`, LOCATION[source.in], s);
    return Number(s);
  };
  const z = int(source.name, 22);
  const [x, y] = [int(xName, 2 ** z - 1), int(yName, 2 ** z - 1)];
  const n = 2 ** z;
  const lon = (v: number) => (v / n) * 360 - 180;
  const lat = (v: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * v) / n))) * 180) / Math.PI;
  return boxPolygon(lon(x), lat(y + 1), lon(x + 1), lat(y));
}

/** The communes a unit consists of, per kind (a commune is itself, known or not). */
const ASKED_COMMUNES: Record<UnitKind, string> = {
  commune: 'SELECT $2::text AS c',
  epci: 'SELECT commune AS c FROM limites_epci_commune WHERE epci = $2',
  departement: 'SELECT code AS c FROM limites_commune WHERE departement = $2',
  region: 'SELECT code AS c FROM limites_commune WHERE region = $2',
};
const LABEL: Record<UnitKind, string> = { commune: 'commune', epci: 'EPCI', departement: 'département', region: 'région' };

function outsideProblem(ask: TerritoryAsk, orgName: string, detail: string, extra: Record<string, unknown>): HttpProblem {
  const { name, in: location } = ask.source;
  return new HttpProblem('forbidden', `${name}: ${detail} outside the territory of ${orgName}`, undefined, {
    outside: { name, in: location, kind: ask.source.kind, ...extra },
  });
}

async function checkCode(db: Queryable, org: { id: number; name: string }, ask: TerritoryAsk, code: string): Promise<void> {
  const kind = ask.source.kind as UnitKind;
  const [r] = await db.query<{ n: number; outside: string[]; n_outside: number }>(
    `WITH asked AS (${ASKED_COMMUNES[kind]})
     SELECT count(*)::int AS n, count(*) FILTER (WHERE t.commune IS NULL)::int AS n_outside,
            coalesce((array_agg(a.c ORDER BY a.c) FILTER (WHERE t.commune IS NULL))[1:20], '{}') AS outside
     FROM asked a LEFT JOIN auth_territory_commune t ON t.organisation = $1 AND t.commune = a.c`,
    [org.id, code],
  );
  if (r.n > 0 && r.n_outside === 0) return;
  if (kind === 'commune') throw outsideProblem(ask, org.name, `commune ${code} is`, { codes: [code] });
  if (r.n === 0) throw outsideProblem(ask, org.name, `${LABEL[kind]} ${code} is`, { codes: [code] });
  const list = r.outside.join(', ') + (r.n_outside > r.outside.length ? ', …' : '');
  throw outsideProblem(ask, org.name, `${LABEL[kind]} ${code} is not entirely inside: ${r.n_outside} of its ${r.n} communes (${list}) lie`, {
    codes: r.outside,
    communes_outside: r.n_outside,
  });
}

/** Below these, what sticks out is the noise of contours unioned on a 1e-8° grid, not a request outside. */
const TOLERANCE = { areaM2: 1, lengthM: 1, degrees: 1e-5 };

async function checkGeom(db: Queryable, org: { id: number; name: string }, ask: TerritoryAsk, g: GeomInput): Promise<void> {
  const [r] = await db.query<{ valid: boolean; reason: string; covered: boolean | null }>(
    `SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
            CASE WHEN ST_IsValid(g) THEN ST_CoveredBy(g, o.territory_geom) END AS covered
     FROM auth_organisation o, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) AS g WHERE o.id = $1`,
    [org.id, g.geojson],
  );
  // No row would mean the organisation vanished or PostGIS failed silently: refuse, never let through.
  if (!r) throw new Error('territory check returned no row');
  if (!r.valid) throw invalidParam(ask.source.name, `invalid geometry (${r.reason})`, LOCATION[ask.source.in]);
  if (r.covered) return;
  const [d] = await db.query<{ area: number; length: number; gap: number | null; points: number; total_area: number; total_length: number; total_points: number; bbox: number[] | null }>(
    `WITH x AS (
       SELECT g, ST_Difference(g, o.territory_geom) AS d, o.territory_geom AS t
       FROM auth_organisation o, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326) AS g WHERE o.id = $1
     )
     SELECT ST_Area(d::geography) AS area, ST_Length(d::geography) AS length, ST_NPoints(d) AS points,
            (SELECT max(ST_Distance(p.geom, t)) FROM ST_DumpPoints(d) AS p) AS gap,
            ST_Area(g::geography) AS total_area, ST_Length(g::geography) AS total_length, ST_NPoints(g) AS total_points,
            CASE WHEN ST_IsEmpty(d) THEN NULL
                 ELSE ARRAY[round(ST_XMin(d)::numeric, 6), round(ST_YMin(d)::numeric, 6), round(ST_XMax(d)::numeric, 6), round(ST_YMax(d)::numeric, 6)]::float8[] END AS bbox
     FROM x`,
    [org.id, g.geojson],
  );
  if (!d) throw new Error('territory check returned no row');
  if (d.bbox === null) return;
  const type = g.type;
  if (g.polygonal) {
    if (d.area < TOLERANCE.areaM2) return;
    const ha = (m2: number) => (m2 / 1e4).toFixed(m2 < 1e4 ? 4 : 2);
    throw outsideProblem(ask, org.name, `${ha(d.area)} ha of the ${ha(d.total_area)} ha asked (bbox ${JSON.stringify(d.bbox)}) lie`, { area_ha: d.area / 1e4, bbox: d.bbox });
  }
  if (type === 'LineString' || type === 'MultiLineString') {
    if (d.length < TOLERANCE.lengthM) return;
    throw outsideProblem(ask, org.name, `${Math.round(d.length)} m of the ${Math.round(d.total_length)} m asked (bbox ${JSON.stringify(d.bbox)}) lie`, { length_m: d.length, bbox: d.bbox });
  }
  if ((d.gap ?? 0) < TOLERANCE.degrees) return;
  throw outsideProblem(ask, org.name, `${d.points} of the ${d.total_points} point(s) asked (bbox ${JSON.stringify(d.bbox)}) lie`, { points: d.points, bbox: d.bbox });
}

/**
 * Checks every ask against the organisation's territory; throws a 403 naming the first part outside.
 * A route that declares territory sources must be given one of them (else any territory could be read).
 */
export async function checkTerritory(db: Queryable, org: { id: number; name: string; national: boolean }, sources: readonly TerritorySource[], asks: TerritoryAsk[]): Promise<void> {
  if (org.national) return;
  if (!asks.length) {
    throw new HttpProblem('forbidden', `this route serves a territory: name it with ${sources.map((s) => `${s.name} (${s.in})`).join(' or ')}, inside the territory of ${org.name}`);
  }
  for (const ask of asks) {
    if (typeof ask.value === 'string') await checkCode(db, org, ask, ask.value);
    else await checkGeom(db, org, ask, ask.value);
  }
}

/** The territory asked, as the audit trail records it: `{name: code | GeoJSON geometry}`. */
export function auditTerritory(asks: readonly TerritoryAsk[]): Record<string, unknown> | null {
  if (!asks.length) return null;
  const out: Record<string, unknown[]> = {};
  for (const a of asks) (out[a.source.name] ??= []).push(typeof a.value === 'string' ? a.value : JSON.parse(a.value.geojson));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}
