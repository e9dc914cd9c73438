/**
 * EPCI, département and région contours derived from their communes: where no contour of the unit
 * was imported, its contour is the union of its member communes' (membership from the COG and
 * BANATIC of @etalab/decoupage-administratif: limites_epci_commune, limites_commune.departement /
 * region), once every member has one; a unit with a member still without contour has none (a partial
 * union would answer point queries wrongly). Run inside each commune contour import, for the units
 * of the communes it touched, so derived contours never lag behind their communes.
 *
 * The union snaps to a 1e-7° grid (about 1 cm): `ST_Union(g, gridSize)` is the form PGlite's GEOS
 * computes reliably on hundreds of polygons (README, known limits), and an unexpectedly empty
 * result is an error, never "no contour".
 */
import type { Queryable } from '../../db/database.ts';

export const DERIVED_GRID = 1e-7;
export type DerivedLevel = 'epci' | 'departement' | 'region';

/** Member communes of each unit of a level: (unit code, commune code). */
const MEMBERS: Record<DerivedLevel, string> = {
  epci: 'SELECT m.epci AS unit, m.commune FROM limites_epci_commune m',
  departement: 'SELECT c.departement AS unit, c.code AS commune FROM limites_commune c',
  region: 'SELECT c.region AS unit, c.code AS commune FROM limites_commune c',
};
const TABLE: Record<DerivedLevel, string> = { epci: 'limites_epci', departement: 'limites_departement', region: 'limites_region' };

export interface Derived {
  level: DerivedLevel;
  /** Units whose contour is now the union of their communes. */
  set: string[];
  /** Derived contours withdrawn: a member commune has none any more (membership changed). */
  withdrawn: number;
}

/** The units of `level` that hold any of `communes`. */
async function unitsOf(tx: Queryable, level: DerivedLevel, communes: string[]): Promise<string[]> {
  const rows = await tx.query<{ unit: string }>(`SELECT DISTINCT unit FROM (${MEMBERS[level]}) m WHERE m.commune = ANY($1::text[]) AND unit IS NOT NULL`, [communes]);
  return rows.map((r) => r.unit);
}

/** Derives the contours of the units of `level` holding `communes` (all units when omitted), unless imported. */
export async function deriveLevel(tx: Queryable, level: DerivedLevel, communes?: string[]): Promise<Derived> {
  const table = TABLE[level];
  const units = communes ? await unitsOf(tx, level, communes) : (await tx.query<{ code: string }>(`SELECT code FROM ${table}`)).map((r) => r.code);
  if (!units.length) return { level, set: [], withdrawn: 0 };
  const complete = await tx.query<{ unit: string }>(
    `SELECT m.unit FROM (${MEMBERS[level]}) m JOIN limites_commune c ON c.code = m.commune JOIN ${table} u ON u.code = m.unit
     WHERE m.unit = ANY($1::text[]) AND (u.geom IS NULL OR u.contour_derived)
     GROUP BY m.unit HAVING bool_and(c.geom IS NOT NULL)`,
    [units],
  );
  const done = complete.map((r) => r.unit);
  const set = done.length
    ? await tx.query<{ code: string; empty: boolean }>(
        `WITH u AS (
           SELECT m.unit, ST_Multi(ST_CollectionExtract(ST_Union(c.geom, ${DERIVED_GRID}), 3)) AS g
           FROM (${MEMBERS[level]}) m JOIN limites_commune c ON c.code = m.commune
           WHERE m.unit = ANY($1::text[]) GROUP BY m.unit
         )
         UPDATE ${table} t SET geom = u.g, contour_derived = true FROM u WHERE t.code = u.unit
         RETURNING t.code, (t.geom IS NULL OR ST_IsEmpty(t.geom)) AS empty`,
        [done],
      )
    : [];
  if (set.length !== done.length || set.some((s) => s.empty)) throw new Error(`${level} contours: the union of the communes of ${done.join(', ')} came back empty`);
  // Derived contours whose communes are no longer all there are withdrawn, not left stale.
  const [{ n }] = await tx.query<{ n: number }>(
    `WITH w AS (UPDATE ${table} SET geom = NULL WHERE code = ANY($1::text[]) AND contour_derived AND NOT (code = ANY($2::text[])) RETURNING 1)
     SELECT count(*)::int AS n FROM w`,
    [units, done],
  );
  return { level, set: set.map((s) => s.code).sort(), withdrawn: n };
}

/** After communes got contours: the EPCI, départements and régions holding them. */
export async function deriveFromCommunes(tx: Queryable, communes: string[]): Promise<Derived[]> {
  const out: Derived[] = [];
  for (const level of ['epci', 'departement', 'region'] as const) out.push(await deriveLevel(tx, level, communes));
  return out;
}
