/**
 * Restricted synthetic data: what no one may publish for real, generated so that the future CartoBio
 * Territoires and RPG level-2 issues have something to serve and test against.
 *
 *  demo_bio_parcelle   organic status of every organic RPG parcel and campaign (engagement M/C,
 *                      conversion level C1/C2/C3/AB, engagement date, certification body);
 *  demo_n2_exploitant  farms: PACAGE, legal form, SIRET, seat (instruction annex 1 §2 "Exploitants");
 *  demo_n2_parcelle    "parcelles instruites": PACAGE, îlot and parcel numbers, crop, organic flags,
 *                      admissible area, catch crops, with the parcel's geometry;
 *  demo_n2_aide        first- and second-pillar aid amounts per farm and campaign.
 *
 * No route serves these tables: they are written here directly (they are not import targets) and
 * registered in terroir_dataset as synthetic, restricted layers (`demo.*`).
 */
import type { Catalog } from '../catalog/catalog.ts';
import type { Database } from '../db/database.ts';
import { importFeatures } from '../import/engine.ts';
import type { SourceFeature } from '../import/readers/feature.ts';
import type { DemoParams } from './params.ts';
import { luhnComplete } from './geometry.ts';
import { PERENNIAL } from './crops.ts';
import { Rng } from './random.ts';
import { run } from './sql.ts';

export const RESTRICTED_LAYERS = {
  bio: 'demo.bio-parcelle',
  exploitant: 'demo.rpg-n2-exploitant',
  parcelle: 'demo.rpg-n2-parcelle',
  aide: 'demo.rpg-n2-aide',
} as const;

/** Layer → table (identifiers from code only). */
export const RESTRICTED_TABLES: Record<string, string> = {
  [RESTRICTED_LAYERS.bio]: 'demo_bio_parcelle',
  [RESTRICTED_LAYERS.exploitant]: 'demo_n2_exploitant',
  [RESTRICTED_LAYERS.parcelle]: 'demo_n2_parcelle',
  [RESTRICTED_LAYERS.aide]: 'demo_n2_aide',
};

const FORAGE = ['PPH', 'PRL', 'PTR', 'RGA', 'MIE', 'LUZ'];
const CEREALS = ['BTH', 'BDH', 'TTH', 'ORH', 'ORP', 'MIS', 'SOJ', 'TRN', 'CZH', 'PHI', 'FVL'];

export function restrictedDatasetId(layer: string, p: DemoParams, campagne: number): string {
  return `${layer}:${campagne}:D${p.codeDep}`;
}

/** Writes the restricted tables for every campaign; returns the dataset ids written. */
export async function buildRestricted(db: Database, p: DemoParams, meta: { source: string; details: Record<string, unknown> }): Promise<string[]> {
  const ids: string[] = [];
  for (const [layer, table] of Object.entries(RESTRICTED_TABLES)) {
    await run(db, `DELETE FROM ${table} WHERE dataset_id LIKE $1`, [`${layer}:%`]);
  }

  // SIRET: a Luhn-valid SIREN then a Luhn-valid establishment number (synthetic, never a real one).
  const farms = await db.query<{ id: number }>('SELECT id FROM demo_w_farm ORDER BY id');
  const siret = farms.map((f) => {
    const rng = new Rng(p.seed, 701, f.id);
    const siren = luhnComplete(`9${String(rng.int(0, 9_999_999)).padStart(7, '0')}`);
    return luhnComplete(`${siren}0001`);
  });

  for (const y of p.annees) {
    const bioId = restrictedDatasetId(RESTRICTED_LAYERS.bio, p, y);
    const expId = restrictedDatasetId(RESTRICTED_LAYERS.exploitant, p, y);
    const parId = restrictedDatasetId(RESTRICTED_LAYERS.parcelle, p, y);
    const aidId = restrictedDatasetId(RESTRICTED_LAYERS.aide, p, y);
    await run(
      db,
      `INSERT INTO demo_n2_exploitant (campagne, dataset_id, pacage, forme_juridique, siret, commune_siege, departement, otex, geom)
       SELECT $1, $2, f.pacage, f.forme_juri, m.siret, f.siege, $3, f.otex, ST_Transform(ST_PointOnSurface(b.geom), 4326)
       FROM demo_w_farm f JOIN demo_w_block b ON b.id = f.id JOIN unnest($4::int[], $5::text[]) AS m(id, siret) ON m.id = f.id`,
      [y, expId, p.codeDep, farms.map((f) => f.id), siret],
    );
    await run(
      db,
      `INSERT INTO demo_n2_parcelle (campagne, dataset_id, pacage, commune_ilot, numero_ilot, numero_parcelle, id_parcel, code_culture,
         precision_culture, semences_certifiees, commercialisation, bio, engagement_bio, surface_admissible, culture_d1, culture_d2,
         departement, geom)
       SELECT c.campagne, $2, fm.pacage, f.insee, f.ilot, f.num, c.id_parcel::text, c.code_cultu, NULL,
         c.code_cultu = ANY($4::text[]) AND demo_u($5, f.id, 720 + c.campagne % 100) < 0.04,
         NOT (c.code_cultu = ANY($6::text[])),
         c.bio,
         CASE WHEN NOT c.bio THEN NULL WHEN c.campagne - fm.bio_depuis >= CASE WHEN c.code_cultu = ANY($7::text[]) THEN 3 ELSE 2 END THEN 'M' ELSE 'C' END,
         round((f.surf_ha * CASE WHEN c.code_cultu IN ('PPH', 'PRL') THEN 0.95 + 0.05 * demo_u($5, f.id, 721) ELSE 1 END)::numeric, 2)::float8,
         c.culture_d1, c.culture_d2, $3, ST_Transform(f.geom, 4326)
       FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id JOIN demo_w_farm fm ON fm.id = f.farm
       WHERE c.campagne = $1`,
      [y, parId, p.codeDep, CEREALS, p.seed, FORAGE, [...PERENNIAL]],
    );
    await run(
      db,
      `INSERT INTO demo_bio_parcelle (campagne, dataset_id, id_parcel, pacage, code_cultu, surface_ha, engagement, niveau_conversion,
         date_engagement, organisme, code_commune_insee, code_epci, geom)
       SELECT c.campagne, $2, c.id_parcel::text, fm.pacage, c.code_cultu, round(f.surf_ha::numeric, 2)::float8,
         CASE WHEN lvl = 'AB' THEN 'M' ELSE 'C' END, lvl,
         make_date(fm.bio_depuis, 4 + (fm.id % 3), 1 + (fm.id % 28)), fm.oc, f.insee, cm.epci, ST_Transform(f.geom, 4326)
       FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id JOIN demo_w_farm fm ON fm.id = f.farm
       JOIN demo_w_commune cm ON cm.insee = f.insee,
       LATERAL (SELECT CASE c.campagne - fm.bio_depuis WHEN 0 THEN 'C1' WHEN 1 THEN 'C2'
                            WHEN 2 THEN CASE WHEN c.code_cultu = ANY($3::text[]) THEN 'C3' ELSE 'AB' END ELSE 'AB' END AS lvl) AS l
       WHERE c.campagne = $1 AND c.bio`,
      [y, bioId, [...PERENNIAL]],
    );
    // Aids from the declared areas: basic payment (rights × unit value converging down over the years),
    // green payment, redistributive payment on the first 52 ha, suckler-cow aid; second pillar: crop
    // insurance, ICHN for some livestock farms, organic conversion (CAB) and maintenance (MAB, until 2017).
    await run(
      db,
      `INSERT INTO demo_n2_aide (campagne, dataset_id, pacage, departement, dpb_nombre_droits, dpb_montant_unitaire, bovins_allaitants,
         bovins_laitiers, pilier1_montant_total, financier, assurance_recolte, ichn_base, maec_bio, pilier2_montant_total)
       SELECT $1, $2, a.pacage, $3, a.droits, a.unit, a.allaitants, a.laitiers,
         round((a.droits * a.unit + a.droits * 82 + least(a.sau, 52) * 50 + a.allaitants * 160 + a.laitiers * 70)::numeric, 2)::float8,
         'ASP', a.assurance, a.ichn, a.maec,
         round((a.assurance + a.ichn + a.maec)::numeric, 2)::float8
       FROM (
         SELECT fm.pacage,
           round((s.sau * (0.9 + 0.1 * demo_u($4, fm.id, 731)))::numeric, 2)::float8 AS droits,
           round(((95 + 60 * demo_u($4, fm.id, 732)) * (1 - 0.02 * greatest(0, $1 - 2015)))::numeric, 2)::float8 AS unit,
           s.sau,
           CASE WHEN fm.otex = 'bovins' THEN round(s.herbe * 1.1 * (0.7 + 0.6 * demo_u($4, fm.id, 733)))::int
                WHEN fm.otex = 'polyculture-elevage' AND demo_u($4, fm.id, 734) >= 0.4 THEN round(s.herbe * 0.6)::int ELSE 0 END AS allaitants,
           CASE WHEN fm.otex = 'polyculture-elevage' AND demo_u($4, fm.id, 734) < 0.4 THEN round(s.herbe * 0.8)::int ELSE 0 END AS laitiers,
           CASE WHEN fm.otex IN ('grandes-cultures', 'viticulture', 'arboriculture') AND demo_u($4, fm.id, 735) < 0.3
                THEN round((s.sau * 25 * demo_u($4, fm.id, 736))::numeric, 2)::float8 ELSE 0 END AS assurance,
           CASE WHEN fm.otex = 'bovins' AND demo_u($4, fm.id, 737) < 0.3 THEN round((least(s.sau, 75) * 70)::numeric, 2)::float8 ELSE 0 END AS ichn,
           round((s.conversion * 300 + CASE WHEN $1 <= 2017 THEN s.maintien * 160 ELSE 0 END)::numeric, 2)::float8 AS maec
         FROM demo_w_farm fm JOIN (
           SELECT pacage, sum(surface_admissible ORDER BY id_parcel) AS sau,
             coalesce(sum(surface_admissible ORDER BY id_parcel) FILTER (WHERE code_culture IN ('PPH', 'PRL', 'PTR', 'RGA')), 0) AS herbe,
             coalesce(sum(surface_admissible ORDER BY id_parcel) FILTER (WHERE engagement_bio = 'C'), 0) AS conversion,
             coalesce(sum(surface_admissible ORDER BY id_parcel) FILTER (WHERE engagement_bio = 'M'), 0) AS maintien
           FROM demo_n2_parcelle WHERE dataset_id = $5 GROUP BY pacage
         ) AS s ON s.pacage = fm.pacage
       ) AS a`,
      [y, aidId, p.codeDep, p.seed, parId],
    );
    for (const [layer, id, table] of [
      [RESTRICTED_LAYERS.bio, bioId, 'demo_bio_parcelle'],
      [RESTRICTED_LAYERS.exploitant, expId, 'demo_n2_exploitant'],
      [RESTRICTED_LAYERS.parcelle, parId, 'demo_n2_parcelle'],
      [RESTRICTED_LAYERS.aide, aidId, 'demo_n2_aide'],
    ] as const) {
      await run(
        db,
        `INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic, details)
         SELECT $1, $2, $3, $4, $5, $6, $7, 2154, (SELECT count(*)::int FROM ${table} WHERE dataset_id = $1), NULL, true, $8::jsonb
         ON CONFLICT (id) DO UPDATE SET layer = EXCLUDED.layer, campagne = EXCLUDED.campagne, source = EXCLUDED.source,
           producer = EXCLUDED.producer, licence = EXCLUDED.licence, vintage = EXCLUDED.vintage, feature_count = EXCLUDED.feature_count,
           synthetic = true, imported_at = now(), details = EXCLUDED.details`,
        [
          id,
          layer,
          y,
          meta.source,
          'Terroir demo generator (SYNTHETIC restricted data: RPG level 2 / organic status)',
          'Synthetic data; stands in for data under restricted access (instruction DGPE/MVDGN/2018-706 §3.2): serve only under access control',
          String(y),
          JSON.stringify({ ...meta.details, restricted: true, table }),
        ],
      );
      ids.push(id);
    }
  }
  return ids;
}

/**
 * The demo's organic parcels served for real: each campaign of demo_bio_parcelle goes through the
 * organic parcel layer (`bio.parcelle`, CartoBio Territoires) as a CartoBio export would, with its
 * farm number, parcel id, commune, crop, conversion stage and engagement date. Returns the datasets.
 */
export async function loadOrganicLayer(db: Database, catalog: Catalog, p: DemoParams, meta: { source: string; details: Record<string, unknown> }): Promise<string[]> {
  const target = catalog.target('bio.parcelle');
  if (!target) return [];
  const ids: string[] = [];
  for (const y of p.annees) {
    const rows = await db.query<{ props: Record<string, unknown>; geom: string }>(
      `SELECT json_build_object('numero_pacage', pacage, 'id', id_parcel, 'com', code_commune_insee, 'culture_type', json_build_array(code_cultu),
         'niveau_conversion', niveau_conversion, 'engagement_date', to_char(date_engagement, 'YYYY-MM-DD')) AS props, ST_AsGeoJSON(geom, 8) AS geom
       FROM demo_bio_parcelle WHERE dataset_id = $1 ORDER BY id_parcel`,
      [restrictedDatasetId(RESTRICTED_LAYERS.bio, p, y)],
    );
    const features: SourceFeature[] = rows.map((r, i) => ({ index: i + 1, properties: typeof r.props === 'string' ? JSON.parse(r.props) : r.props, geometry: JSON.parse(r.geom) }));
    const s = await importFeatures(db, target, features, { file: `demo-bio-${y}.geojson`, srid: 4326, campagne: y, options: { extent: `demo-D${p.codeDep}` } }, {
      source: `${meta.source}: organic parcels ${y}`,
      producer: 'Terroir demo generator (SYNTHETIC restricted data: organic status)',
      licence: 'Synthetic data; stands in for data under restricted access (CartoBio Territoires): serve only under access control',
      synthetic: true,
      strict: true,
      details: meta.details,
    });
    ids.push(...s.datasets.map((d) => d.id));
  }
  return ids;
}
