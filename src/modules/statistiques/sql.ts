/**
 * The statistics, computed in PostGIS on both backends. Areas are geodesic: `ST_Area(g::geography)`
 * on WGS84 (the spheroid), in m², turned into hectares and rounded in the answer only; one choice
 * everywhere, valid overseas as in metropolitan France (Lambert-93 is not).
 *
 * A parcel's area in a territory is the part of it inside the territory (clipped:
 * `ST_Intersection`, skipped when the parcel lies wholly inside). A parcel is counted in the
 * territory holding its `ST_PointOnSurface`, so the counts of adjoining communes add up to their
 * EPCI's.
 */
import type { Queryable } from '../../db/database.ts';
import type { Territoire } from './territoire.ts';

/** The part of `g` inside the territory `t` (a geometry), as SQL. */
export const clipped = (g: string, t: string) => `CASE WHEN ST_CoveredBy(${g}, ${t}) THEN ${g} ELSE ST_CollectionExtract(ST_Intersection(${g}, ${t}), 3) END`;
const area = (g: string) => `ST_Area((${g})::geography)`;

export type LigneCulture = {
  campagne: number;
  code_groupe: string | null;
  libelle_groupe: string | null;
  code_cultu: string | null;
  libelle_culture: string | null;
  m2: number;
  m2_derobee: number;
  parcelles: number;
};

/**
 * Area (m²), area carrying a catch crop (CULTURE_D1 or D2) and parcel count per campaign, crop group
 * and crop, over the RPG parcels (2015+) touching the territory.
 */
export async function cultures(db: Queryable, t: Territoire, campagnes: number[]): Promise<LigneCulture[]> {
  if (!campagnes.length) return [];
  return db.query<LigneCulture>(
    `WITH terr AS MATERIALIZED (SELECT ${t.geomSql(1)} AS g),
     p AS MATERIALIZED (
       SELECT r.campagne, r.code_group, r.code_cultu,
              (nullif(r.culture_d1, '') IS NOT NULL OR nullif(r.culture_d2, '') IS NOT NULL) AS derobee,
              ${area(clipped('r.geom', 'terr.g'))} AS m2,
              ST_Intersects(ST_PointOnSurface(r.geom), terr.g) AS compte
       FROM rpg_parcelle r, terr
       WHERE r.campagne = ANY($2::int[]) AND r.geom && terr.g AND ST_Intersects(r.geom, terr.g)
     )
     SELECT p.campagne, p.code_group AS code_groupe, g.libelle AS libelle_groupe, p.code_cultu, c.libelle AS libelle_culture,
            sum(p.m2)::float8 AS m2, coalesce(sum(p.m2) FILTER (WHERE p.derobee), 0)::float8 AS m2_derobee,
            count(*) FILTER (WHERE p.compte)::int AS parcelles
     FROM p
     LEFT JOIN nomenclature_groupe g ON g.code::text = p.code_group
     LEFT JOIN nomenclature_culture c ON c.code = p.code_cultu
     GROUP BY p.campagne, p.code_group, g.libelle, p.code_cultu, c.libelle
     HAVING sum(p.m2) > 0 OR count(*) FILTER (WHERE p.compte) > 0
     ORDER BY p.campagne, p.code_group COLLATE "C", p.code_cultu COLLATE "C"`,
    [t.value, campagnes],
  );
}
