/**
 * The statistics, computed in PostGIS on both backends. Areas are geodesic: `ST_Area(g::geography)`
 * on WGS84 (the spheroid), in m², turned into hectares and rounded in the answer only; one choice
 * everywhere, valid overseas as in metropolitan France (Lambert-93 is not).
 *
 * A parcel's area in a territory is the part of it inside the territory (clipped:
 * `ST_Intersection`, skipped when the parcel lies wholly inside). The containment test is written
 * `ST_Contains(territory, parcel)`: PostGIS then prepares the territory once for the whole scan;
 * `ST_CoveredBy(parcel, territory)` is not prepared and made an EPCI's crop mix 9× slower (5.0 s →
 * 0.56 s on the default demo's EPCI, PostgreSQL). A parcel is counted in the
 * territory holding its `ST_PointOnSurface`, so the counts of adjoining communes add up to their
 * EPCI's.
 */
import type { Queryable } from '../../db/database.ts';
import type { Territoire } from './territoire.ts';

/** The part of `g` inside the territory `t` (a geometry), as SQL. */
export const clipped = (g: string, t: string) => `CASE WHEN ST_Contains(${t}, ${g}) THEN ${g} ELSE ST_CollectionExtract(ST_Intersection(${g}, ${t}), 3) END`;
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

export type Flux = {
  groupe_de: string | null;
  libelle_de: string | null;
  groupe_vers: string | null;
  libelle_vers: string | null;
  m2: number;
};

/**
 * Crop-group transitions from campaign `de` to `vers` in the territory: the overlap of each parcel
 * of `de` (clipped to the territory) with each parcel of `vers` it touches (found through the GiST
 * index), summed per pair of groups. Area where a parcel of `de` has no parcel of `vers` (or the
 * reverse) is in no flow.
 */
export async function transitions(db: Queryable, t: Territoire, de: number, vers: number): Promise<Flux[]> {
  return db.query<Flux>(
    `WITH terr AS MATERIALIZED (SELECT ${t.geomSql(1)} AS g),
     a AS MATERIALIZED (
       SELECT r.code_group, ${clipped('r.geom', 'terr.g')} AS g
       FROM rpg_parcelle r, terr
       WHERE r.campagne = $2 AND r.geom && terr.g AND ST_Intersects(r.geom, terr.g)
     ),
     f AS (
       SELECT a.code_group AS de, b.code_group AS vers,
              CASE WHEN ST_Contains(b.geom, a.g) THEN ${area('a.g')} ELSE ${area('ST_Intersection(a.g, b.geom)')} END AS m2
       FROM a JOIN rpg_parcelle b ON b.campagne = $3 AND b.geom && a.g AND ST_Intersects(a.g, b.geom)
     )
     SELECT f.de AS groupe_de, gd.libelle AS libelle_de, f.vers AS groupe_vers, gv.libelle AS libelle_vers, sum(f.m2)::float8 AS m2
     FROM f
     LEFT JOIN nomenclature_groupe gd ON gd.code::text = f.de
     LEFT JOIN nomenclature_groupe gv ON gv.code::text = f.vers
     GROUP BY f.de, gd.libelle, f.vers, gv.libelle
     HAVING sum(f.m2) > 0
     ORDER BY sum(f.m2) DESC, f.de COLLATE "C", f.vers COLLATE "C"`,
    [t.value, de, vers],
  );
}

/** The zonings each statistic crosses the agricultural area with: family, type, label, and the SQL of their geometries. */
export interface Zonage {
  famille: 'aoc' | 'urbanisme' | 'nature';
  type: string;
  libelle: string;
  /** SELECT of the zones' geometries (column `g`) touching the territory `terr.g`. */
  sql: string;
}

/** PLU zone types (CNIG TYPEZONE: U, AUc, AUs, A, N; a few older documents write Ah, Nh…): the first letters decide. */
const PLU_TYPES: [string, string, string][] = [
  ['U', 'Zone urbaine', `z.typezone LIKE 'U%'`],
  ['AU', 'Zone à urbaniser', `z.typezone LIKE 'AU%'`],
  ['A', 'Zone agricole', `z.typezone LIKE 'A%' AND z.typezone NOT LIKE 'AU%'`],
  ['N', 'Zone naturelle et forestière', `z.typezone LIKE 'N%'`],
];

export function zonagesOf(nature: readonly { route: string; kind: string; title: string }[]): Zonage[] {
  const inTerr = (g: string) => `${g} && terr.g AND ST_Intersects(${g}, terr.g)`;
  return [
    { famille: 'aoc', type: 'aoc', libelle: 'AOC viticoles (aires délimitées INAO)', sql: `SELECT z.geom AS g FROM aoc_appellation_viticole z, terr WHERE ${inTerr('z.geom')}` },
    ...PLU_TYPES.map(([type, libelle, cond]): Zonage => ({ famille: 'urbanisme', type, libelle, sql: `SELECT z.the_geom AS g FROM gpu_zone_urba z, terr WHERE ${cond} AND ${inTerr('z.the_geom')}` })),
    // Cartes communales: TYPESECT 01 (open to building) and 02 (reserved for activities) are constructible, the rest not.
    { famille: 'urbanisme', type: 'ZC', libelle: 'Secteur constructible (carte communale)', sql: `SELECT z.the_geom AS g FROM gpu_secteur_cc z, terr WHERE z.typesect IN ('01', '02') AND ${inTerr('z.the_geom')}` },
    { famille: 'urbanisme', type: 'ZnC', libelle: 'Secteur non constructible (carte communale)', sql: `SELECT z.the_geom AS g FROM gpu_secteur_cc z, terr WHERE z.typesect NOT IN ('01', '02') AND ${inTerr('z.the_geom')}` },
    ...nature.map((k): Zonage => ({ famille: 'nature', type: k.route, libelle: k.title, sql: `SELECT z.geom AS g FROM nature_${k.kind} z, terr WHERE ${inTerr('z.geom')}` })),
  ];
}

/**
 * Area (m²) of the agricultural land of campaign `campagne` in the territory that lies in each of
 * `zonages` (same order): each parcel, clipped to the territory, intersected with the zones of each
 * type it touches; when several zones of one type cover a parcel (overlapping AOC denominations,
 * ZNIEFF, adjoining PLU zones), their pieces are unioned so that no area counts twice. Parcels are
 * clipped once for every type (one statement).
 */
export async function zonages(db: Queryable, t: Territoire, campagne: number, zonages: Zonage[]): Promise<number[]> {
  const zones = zonages.map((z, i) => `SELECT ${i} AS idx, x.g FROM (${z.sql}) x`).join('\n       UNION ALL ');
  const rows = await db.query<{ idx: number; m2: number }>(
    `WITH terr AS MATERIALIZED (SELECT ${t.geomSql(1)} AS g),
     zones AS MATERIALIZED (${zones}),
     p AS MATERIALIZED (
       SELECT row_number() OVER () AS id, ${clipped('r.geom', 'terr.g')} AS g
       FROM rpg_parcelle r, terr
       WHERE r.campagne = $2 AND r.geom && terr.g AND ST_Intersects(r.geom, terr.g)
         AND EXISTS (SELECT 1 FROM zones WHERE zones.g && r.geom)
     ),
     pieces AS (
       SELECT p.id, zones.idx, ST_CollectionExtract(ST_Intersection(p.g, zones.g), 3) AS g
       FROM p JOIN zones ON zones.g && p.g AND ST_Intersects(zones.g, p.g)
     ),
     per_parcel AS (
       SELECT idx, CASE WHEN count(*) = 1 THEN ${area('(array_agg(g))[1]')} ELSE ${area('ST_Union(g)')} END AS m2
       FROM pieces GROUP BY id, idx
     )
     SELECT idx, sum(m2)::float8 AS m2 FROM per_parcel GROUP BY idx`,
    [t.value, campagne],
  );
  const out = zonages.map(() => 0);
  for (const r of rows) out[r.idx] = r.m2;
  return out;
}

/** Agricultural area (m²) of campaign `campagne` inside the territory. */
export async function surfaceAgricole(db: Queryable, t: Territoire, campagnes: number[]): Promise<Map<number, number>> {
  const rows = await db.query<{ campagne: number; m2: number }>(
    `WITH terr AS MATERIALIZED (SELECT ${t.geomSql(1)} AS g)
     SELECT r.campagne, sum(${area(clipped('r.geom', 'terr.g'))})::float8 AS m2
     FROM rpg_parcelle r, terr
     WHERE r.campagne = ANY($2::int[]) AND r.geom && terr.g AND ST_Intersects(r.geom, terr.g)
     GROUP BY r.campagne`,
    [t.value, campagnes],
  );
  return new Map(rows.map((r) => [r.campagne, r.m2]));
}

export type LigneBio = { millesime: number; conversion: string | null; m2: number };

/** Organic area (m²) per millésime and conversion stage, organic parcels (bio = 1) clipped to the territory. */
export async function bio(db: Queryable, t: Territoire, millesimes: number[]): Promise<LigneBio[]> {
  if (!millesimes.length) return [];
  return db.query<LigneBio>(
    `WITH terr AS MATERIALIZED (SELECT ${t.geomSql(1)} AS g)
     SELECT b.millesime, b.conversion, sum(${area(clipped('b.geom', 'terr.g'))})::float8 AS m2
     FROM bio_parcelle b, terr
     WHERE b.millesime = ANY($2::int[]) AND b.bio = 1 AND b.geom && terr.g AND ST_Intersects(b.geom, terr.g)
     GROUP BY b.millesime, b.conversion
     ORDER BY b.millesime, b.conversion COLLATE "C"`,
    [t.value, millesimes],
  );
}
