/**
 * The territory of a statistics request: exactly one of `code_insee` (commune), `code_epci` (SIREN),
 * `code_dep`, `code_reg` or `geom` (a drawn Polygon / MultiPolygon, WGS84), resolved to its contour
 * in the administrative units (limites_*: the COG units with their imported or derived contours, and
 * the demo's communes and EPCI, which the demo registers there). The contour is handed to the
 * statistics queries as SQL (a scalar sub-query) and one bound value.
 *
 * Also the search of `/api/statistiques/territoires`: name prefix (accent-, case- and
 * punctuation-insensitive, on the ADMIN EXPRESS `nom_m` form) or code prefix.
 */
import type { Queryable } from '../../db/database.ts';
import { HEAVY, parseGeom } from '../../geo/geom-param.ts';
import { markHeavy } from '../../db/context.ts';
import { invalidParam, notFound } from '../../http/problems.ts';
import { upperNoAccent } from '../limites-administratives/names.ts';

export type TypeUnite = 'commune' | 'epci' | 'departement' | 'region';
export type TypeTerritoire = TypeUnite | 'geom';

/** The query parameters naming a territory, in the order they are documented. */
export const PARAMS_TERRITOIRE = ['code_insee', 'code_epci', 'code_dep', 'code_reg', 'geom'] as const;
export type ParamTerritoire = (typeof PARAMS_TERRITOIRE)[number];

const TYPE_OF: Record<ParamTerritoire, TypeTerritoire> = { code_insee: 'commune', code_epci: 'epci', code_dep: 'departement', code_reg: 'region', geom: 'geom' };
const TABLE: Record<TypeUnite, string> = { commune: 'limites_commune', epci: 'limites_epci', departement: 'limites_departement', region: 'limites_region' };
const LABEL: Record<TypeUnite, string> = { commune: 'commune', epci: 'EPCI', departement: 'département', region: 'région' };

export interface Territoire {
  type: TypeTerritoire;
  /** The code asked (null for a drawn polygon). */
  code: string | null;
  nom: string | null;
  surface_ha: number;
  /** SQL of the contour (geometry, SRID 4326), reading its one value from `$<n>` once placed by `geomSql(n)`. */
  geomSql: (n: number) => string;
  /** The value bound to the contour's parameter. */
  value: string;
}

/**
 * Which territory parameter a query gives: exactly one (none or several is a 400 naming the
 * parameter). Runs on the raw query (before validation), so the same rule holds on restricted routes
 * before their territory check.
 */
export function territoryParam(query: unknown): ParamTerritoire {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const given = PARAMS_TERRITOIRE.filter((p) => q[p] !== undefined && q[p] !== '');
  if (given.length === 1) {
    if (given[0] === 'geom') {
      // Shape checked here too, so that a point or a malformed polygon is a 400 before any territory rule.
      const g = parseGeom(q.geom, 'query', 'geom');
      if (!g.polygonal) throw invalidParam('geom', `a territory is a Polygon or MultiPolygon, not a ${g.type}`, 'query');
    }
    return given[0];
  }
  if (!given.length) throw invalidParam('code_insee', `a territory is needed: give exactly one of ${PARAMS_TERRITOIRE.join(', ')}`);
  throw invalidParam(given[1], `give exactly one territory: ${given.join(' and ')} were both given`, 'query', q[given[1]]);
}

/** Resolves the territory of a validated query; 404 for a code that is no unit or has no contour, 400 for a bad `geom`. */
export async function resolveTerritoire(db: Queryable, query: Record<string, unknown>): Promise<Territoire> {
  const param = territoryParam(query);
  const type = TYPE_OF[param];
  if (type === 'geom') {
    const g = parseGeom(query.geom, 'query', 'geom');
    if (!g.polygonal) throw invalidParam('geom', `a territory is a Polygon or MultiPolygon, not a ${g.type}`, 'query');
    const [v] = await db.query<{ valid: boolean; reason: string; m2: number | null }>(
      `SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason, CASE WHEN ST_IsValid(g) THEN ST_Area(g::geography) END AS m2
       FROM ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g`,
      [g.geojson],
    );
    if (!v.valid) throw invalidParam('geom', `invalid polygon (${v.reason})`, 'query');
    if (!v.m2) throw invalidParam('geom', 'the polygon has no area', 'query');
    return { type, code: null, nom: null, surface_ha: v.m2 / 1e4, geomSql: (n) => `(SELECT ST_SetSRID(ST_GeomFromGeoJSON($${n}::text), 4326))`, value: g.geojson };
  }
  const code = String(query[param]);
  const [u] = await db.query<{ nom: string; has: boolean; m2: number | null; deg2: number | null }>(
    `SELECT nom, geom IS NOT NULL AS has, ST_Area(geom::geography) AS m2, (ST_XMax(geom) - ST_XMin(geom)) * (ST_YMax(geom) - ST_YMin(geom)) AS deg2
     FROM ${TABLE[type]} WHERE code = $1`,
    [code],
  );
  if (!u) throw notFound(`${param}: ${LABEL[type]} ${code} is not a known administrative unit`);
  if (!u.has) throw notFound(`${param}: ${LABEL[type]} ${code} has no contour loaded (terroir import limites-administratives.${type} …)`);
  // A unit as large as a heavy `geom` (a large EPCI, a département, a région) is heavy too: its
  // statements go through the heavy lane (docs/hardening.md), so point queries keep their connections.
  if ((u.deg2 ?? 0) > HEAVY.bboxDeg2) markHeavy();
  return { type, code, nom: u.nom, surface_ha: (u.m2 ?? 0) / 1e4, geomSql: (n) => `(SELECT u.geom FROM ${TABLE[type]} u WHERE u.code = $${n}::text)`, value: code };
}

/** The territory as answers describe it. */
export const territoireOut = (t: Territoire) => ({ type: t.type, code: t.code, nom: t.nom, surface_ha: round2(t.surface_ha) });

export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export interface TrouveTerritoire {
  type: TypeUnite;
  code: string;
  nom: string;
  bbox: [number, number, number, number] | null;
}

/** Punctuation that separates words in names: searched as a space. */
const SEPARATORS = `-'’`;
const fold = (s: string) => upperNoAccent(s).replace(/[-'’]/g, ' ').replace(/\s+/g, ' ').trim();
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Units whose name starts with `q` (or has a word starting with it), or whose code starts with it:
 * exact name or code first, then communes and EPCI before départements and régions, names starting
 * with `q` before names with a word starting with it, then by kind, shorter names first.
 */
export async function chercherTerritoires(db: Queryable, q: string, limit: number): Promise<TrouveTerritoire[]> {
  const name = likeEscape(fold(q));
  const code = likeEscape(q.trim().toUpperCase());
  if (!name) return [];
  const unit = (type: TypeUnite, rank: number) =>
    `SELECT '${type}'::text AS type, ${rank} AS rank, code, nom, translate(nom_m, $4, '   ') AS folded, geom FROM ${TABLE[type]}
     WHERE code LIKE $2 || '%' OR translate(nom_m, $4, '   ') LIKE $1 || '%' OR translate(nom_m, $4, '   ') LIKE '% ' || $1 || '%'`;
  const rows = await db.query<{ type: TypeUnite; code: string; nom: string; bbox: number[] | null }>(
    `SELECT type, code, nom,
            CASE WHEN geom IS NULL THEN NULL ELSE ARRAY[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)] END AS bbox
     FROM (${unit('commune', 0)} UNION ALL ${unit('epci', 1)} UNION ALL ${unit('departement', 2)} UNION ALL ${unit('region', 3)}) x
     ORDER BY (code = $2 OR folded = $1) DESC, rank <= 1 DESC, (folded LIKE $1 || '%' OR code LIKE $2 || '%') DESC, rank, length(folded), folded, code
     LIMIT $3`,
    [name, code, limit, SEPARATORS],
  );
  return rows.map((r) => ({
    type: r.type,
    code: r.code,
    nom: r.nom,
    bbox: r.bbox ? (r.bbox.map((x) => Math.round(Number(x) * 1e6) / 1e6) as [number, number, number, number]) : null,
  }));
}
