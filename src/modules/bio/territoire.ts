/**
 * A territory asked for (an EPCI, a commune, an uploaded contour) as the parcels it selects: every
 * organic parcel of the millésime that touches it, whole (not clipped), each once.
 *
 * A territory is a list of areas: an EPCI is its member communes (in code order), a commune or a
 * contour is itself. Parcels are read area by area in keyset pages (gid order) through the GiST
 * index, and a parcel that also touches an earlier area of the list is left to that one: each parcel
 * comes once, memory stays flat whatever the territory's size, and an EPCI's answer is by
 * construction the union of its communes' answers.
 */
import type { Queryable } from '../../db/database.ts';
import { HttpProblem, invalidParam, notFound, type ParamLocation } from '../../http/problems.ts';
import { BIO_PARCELLE } from './layers.ts';

export type Territoire =
  | { kind: 'epci'; code: string }
  | { kind: 'commune'; code: string }
  | { kind: 'contour'; geojson: string };

/** One area of a territory: SQL of its geometry (a scalar sub-query) and the value bound to it. */
interface Area {
  sql: string;
  value: string;
  /** The commune code, to exclude its parcels from the next areas. */
  commune?: string;
}

export interface Selection {
  territoire: Territoire;
  millesime: number;
  areas: Area[];
  /** 1: organic parcels (cartobio:territoires); 0: conventional ones (cartobio:conventionnel routes). */
  bio: 0 | 1;
}

/** The parcels' organic flag as SQL: a constant from code (0 or 1), never from a request. */
const bioIs = (s: Selection) => `t.bio = ${s.bio === 0 ? 0 : 1}`;

const COMMUNE_AREA = '(SELECT c.geom FROM limites_commune c WHERE c.code = $1)';
const CONTOUR_AREA = '(SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))';

/** The areas of a territory; 404 for a code that is not an administrative unit with a contour. */
export async function areasOf(db: Queryable, t: Territoire): Promise<Area[]> {
  if (t.kind === 'contour') return [{ sql: CONTOUR_AREA, value: t.geojson }];
  if (t.kind === 'commune') {
    const [c] = await db.query<{ has: boolean }>('SELECT geom IS NOT NULL AS has FROM limites_commune WHERE code = $1', [t.code]);
    if (!c) throw notFound(`commune ${t.code} is not a current commune (INSEE code)`);
    if (!c.has) throw notFound(`commune ${t.code} has no contour loaded (terroir import limites-administratives.commune …)`);
    return [{ sql: COMMUNE_AREA, value: t.code, commune: t.code }];
  }
  const [e] = await db.query<{ code: string }>('SELECT code FROM limites_epci WHERE code = $1', [t.code]);
  if (!e) throw notFound(`EPCI ${t.code} is not an EPCI à fiscalité propre (SIREN)`);
  const members = await db.query<{ code: string; has: boolean }>(
    `SELECT c.code, c.geom IS NOT NULL AS has FROM limites_epci_commune m JOIN limites_commune c ON c.code = m.commune WHERE m.epci = $1 ORDER BY c.code`,
    [t.code],
  );
  const missing = members.filter((m) => !m.has).map((m) => m.code);
  if (missing.length) throw new HttpProblem('unavailable', `EPCI ${t.code}: communes ${missing.join(', ')} have no contour loaded`);
  return members.map((m) => ({ sql: COMMUNE_AREA, value: m.code, commune: m.code }));
}

/** Campaigns loaded, newest first. */
export async function loadedMillesimes(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ m: number }>('SELECT DISTINCT millesime AS m FROM bio_parcelle ORDER BY 1 DESC');
  return rows.map((r) => r.m);
}

/**
 * A campaign is complete once its instruction is over and the RPG frozen: after 30 June of the next
 * year (reference/cartobio.md §4). The default is the latest complete campaign loaded.
 */
export function isComplete(millesime: number, now: Date): boolean {
  return now.getTime() >= Date.UTC(millesime + 1, 6, 1);
}

export async function resolveMillesime(db: Queryable, asked: number | undefined, location: ParamLocation, now = new Date()): Promise<number> {
  const loaded = await loadedMillesimes(db);
  if (asked !== undefined) {
    if (loaded.includes(asked)) return asked;
    throw invalidParam('millesime', `campaign ${asked} is not loaded${loaded.length ? `; loaded: ${loaded.join(', ')}` : '; no campaign is loaded'}`, location, asked);
  }
  const complete = loaded.find((m) => isComplete(m, now));
  if (complete !== undefined) return complete;
  throw invalidParam('millesime', loaded.length ? `no complete campaign is loaded (loaded: ${loaded.join(', ')}): give one` : 'no campaign is loaded', location);
}

/** The condition "touches area `i` and no earlier commune area" over `t`, its values from $first. */
function touches(areas: Area[], i: number, first: number): { sql: string; params: unknown[] } {
  const a = areas[i];
  const geom = a.sql.replace('$1', `$${first}`);
  const earlier = areas.slice(0, i).map((x) => x.commune!).filter(Boolean);
  let sql = `t.geom && ${geom} AND ST_Intersects(t.geom, ${geom})`;
  const params: unknown[] = [a.value];
  if (earlier.length) {
    sql += ` AND NOT EXISTS (SELECT 1 FROM limites_commune p WHERE p.code = ANY($${first + 1}::text[]) AND p.geom && t.geom AND ST_Intersects(p.geom, t.geom))`;
    params.push(earlier);
  }
  return { sql, params };
}

/** Number of parcels the territory selects. */
export async function countParcels(db: Queryable, s: Selection): Promise<number> {
  let n = 0;
  for (let i = 0; i < s.areas.length; i++) {
    const w = touches(s.areas, i, 2);
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bio_parcelle t WHERE t.millesime = $1 AND ${bioIs(s)} AND ${w.sql}`, [s.millesime, ...w.params]);
    n += r.n;
  }
  return n;
}

export interface ParcelRow {
  gid: string;
  cle_source: string;
  geometry: string;
  [property: string]: unknown;
}

const PROPERTIES = BIO_PARCELLE.properties.map((p) => `${p.sql} AS "${p.name}"`).join(', ');
export const PROPERTY_NAMES = BIO_PARCELLE.properties.map((p) => p.name);
const BATCH = 1000;

/** Parcels of the territory in answer order, `srid` coordinates as GeoJSON text; skips `start`, stops after `limit`. */
export async function* streamParcels(db: Queryable, s: Selection, opts: { srid: number; digits: number; start: number; limit: number }): AsyncGenerator<ParcelRow> {
  let skip = opts.start;
  let left = opts.limit;
  for (let i = 0; i < s.areas.length && left > 0; i++) {
    const w = touches(s.areas, i, 6);
    let after = '0';
    for (;;) {
      // The area's parcels through the GiST index first (MATERIALIZED: the planner would otherwise walk
      // the gid index over the whole campaign, testing each parcel, to find the first page).
      const rows = await db.query<ParcelRow>(
        `WITH hit AS MATERIALIZED (
           SELECT t.gid FROM bio_parcelle t WHERE t.millesime = $1 AND ${bioIs(s)} AND t.gid > $2::bigint AND ${w.sql}
         ), page AS (SELECT gid FROM hit ORDER BY gid LIMIT $3)
         SELECT t.gid::text AS gid, t.cle_source, ${PROPERTIES}, ST_AsGeoJSON(ST_Transform(t.geom, $4::int), $5::int) AS geometry
         FROM page JOIN bio_parcelle t ON t.gid = page.gid ORDER BY t.gid`,
        [s.millesime, after, BATCH, opts.srid, opts.digits, ...w.params],
      );
      for (const r of rows) {
        if (skip > 0) {
          skip--;
          continue;
        }
        yield r;
        if (--left === 0) return;
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].gid;
    }
  }
}

export interface SyntheseLine {
  groupeculture: string | null;
  conversion: string | null;
  parcelles: number;
  surface_ha: number;
  [k: string]: unknown;
}

/** The selected parcel ids as SQL (a UNION of the areas' parcels), its values from $2. */
function selectedGids(s: Selection): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  s.areas.forEach((a, i) => {
    const geom = a.sql.replace('$1', `$${2 + i}`);
    params.push(a.value);
    parts.push(`SELECT t.gid FROM bio_parcelle t WHERE t.millesime = $1 AND ${bioIs(s)} AND t.geom && ${geom} AND ST_Intersects(t.geom, ${geom})`);
  });
  return { sql: parts.join(' UNION '), params };
}

/**
 * Organic area and parcel count by crop group and conversion stage, and the organic share of the
 * agricultural area: RPG level-1 parcels of the same campaign touching the same areas.
 */
export async function synthese(db: Queryable, s: Selection) {
  const sel = selectedGids(s);
  const lines = await db.query<SyntheseLine>(
    `WITH sel AS (${sel.sql})
     SELECT p.groupe_culture AS groupeculture, p.conversion, count(*)::int AS parcelles, round(sum(p.surface_ha)::numeric, 4)::float8 AS surface_ha
     FROM sel JOIN bio_parcelle p ON p.gid = sel.gid
     GROUP BY 1, 2 ORDER BY p.groupe_culture COLLATE "C" NULLS LAST, p.conversion COLLATE "C" NULLS LAST`,
    [s.millesime, ...sel.params],
  );
  const rpgParts = s.areas.map((a, i) => {
    const geom = a.sql.replace('$1', `$${2 + i}`);
    return `SELECT r.dataset_id, r.gid, r.surf_parc FROM rpg_parcelle r WHERE r.campagne = $1 AND r.geom && ${geom} AND ST_Intersects(r.geom, ${geom})`;
  });
  const [rpg] = await db.query<{ parcelles: number; surface_ha: number | null }>(
    `WITH sel AS (${rpgParts.join(' UNION ')})
     SELECT count(*)::int AS parcelles, round(sum(sel.surf_parc)::numeric, 4)::float8 AS surface_ha FROM sel`,
    [s.millesime, ...sel.params],
  );
  const parcelles = lines.reduce((n, l) => n + l.parcelles, 0);
  const surface = Math.round(lines.reduce((n, l) => n + l.surface_ha, 0) * 1e4) / 1e4;
  return {
    millesime: s.millesime,
    parcelles_bio: parcelles,
    surface_bio_ha: surface,
    parcelles_rpg: rpg.parcelles,
    surface_agricole_ha: rpg.surface_ha,
    part_bio: rpg.surface_ha ? Math.round((surface / rpg.surface_ha) * 1e4) / 1e4 : null,
    lignes: lines,
  };
}
