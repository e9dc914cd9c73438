/**
 * Restricted synthetic data: what no one may publish for real, generated so that CartoBio Territoires
 * and RPG level 2 (src/modules/niveau2) have something to serve and test against. Every row is
 * SYNTHETIC (fictional farms of the fictional territory) and each dataset says so in terroir_dataset.
 *
 *  demo_bio_parcelle   organic status of every organic RPG parcel and campaign (engagement M/C,
 *                      conversion level C1/C2/C3/AB, engagement date, certification body);
 *  rpg_n2_*            RPG level 2, instruction DGPE/MVDGN/2018-706 annex 1 §2, every table, for each
 *                      campaign 2015 and later, consistent with the level-1 parcels of the same campaign
 *                      (ID_PARCELLE = the level-1 id_parcel, same geometry, crop and catch crops):
 *                      îlots (description + geometry), instructed parcels (description + geometry),
 *                      farms, the State-only farm table (identities from fictional name lists, e-mail
 *                      at example.org, phone numbers in 01 99 00, the range ARCEP keeps for fiction),
 *                      the MAEC/organic referential, MAEC linear and point elements, first- and
 *                      second-pillar payments.
 *
 * These tables are written here directly and registered in terroir_dataset as synthetic, restricted.
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
import { N2_DATASET_LAYERS } from '../modules/niveau2/tables.ts';

/** Layer id (as terroir_dataset records it) → table. */
export const RESTRICTED_TABLES: Record<string, string> = {
  'demo.bio-parcelle': 'demo_bio_parcelle',
  ...N2_DATASET_LAYERS,
};

const FORAGE = ['PPH', 'PRL', 'PTR', 'RGA', 'MIE', 'LUZ'];
const CEREALS = ['BTH', 'BDH', 'TTH', 'ORH', 'ORP', 'MIS', 'SOJ', 'TRN', 'CZH', 'PHI', 'FVL'];

/** The synthetic MAEC / organic referential (codes shaped as the national ones, amounts plausible). */
const MAEC = [
  ['CAB', 'Conversion à l’agriculture biologique', 'PDR - agriculture biologique', 2015, 2022, 300],
  ['MAB', 'Maintien de l’agriculture biologique', 'PDR - agriculture biologique', 2015, 2017, 160],
  ['NA_HAIE_01', 'Entretien des haies localisées de manière pertinente', 'MAEC localisée', 2015, 2022, 0.86],
  ['NA_ARBR_01', 'Entretien d’arbres isolés ou en alignements', 'MAEC localisée', 2015, 2022, 2.68],
  ['NA_MARE_01', 'Entretien des mares et plans d’eau', 'MAEC localisée', 2015, 2022, 135.9],
  ['NA_SPE9_01', 'Systèmes herbagers et pastoraux', 'MAEC système', 2015, 2022, 116],
] as const;

const NOMS = ['MARTINOT', 'LABORDERIE', 'CASTAGNET', 'DUBERNAT', 'FOURCADIER', 'LAPEYRIE', 'MIRASSOU', 'SAINTOURENS', 'BRUGALIERE', 'COUDOURNAC', 'ESTRABAUD', 'PEYRELADE'];
const PRENOMS_F = ['Maëlys', 'Odile', 'Gaëtane', 'Solène', 'Bernadette', 'Ninon'];
const PRENOMS_H = ['Aurélien', 'Firmin', 'Baptistin', 'Gaston', 'Thibaut', 'Loïc'];

export function restrictedDatasetId(layer: string, p: DemoParams, campagne: number): string {
  return `${layer}:${campagne}:D${p.codeDep}`;
}

/** Writes the restricted tables for every campaign; returns the dataset ids written. */
export async function buildRestricted(db: Database, p: DemoParams, meta: { source: string; details: Record<string, unknown> }): Promise<string[]> {
  const ids: string[] = [];
  for (const [layer, table] of Object.entries(RESTRICTED_TABLES)) {
    await run(db, `DELETE FROM ${table} WHERE dataset_id LIKE $1`, [`${layer}:%`]);
  }
  const farms = await farmIdentities(db, p);

  for (const y of p.annees) {
    const id = (layer: string) => restrictedDatasetId(layer, p, y);
    const written: [string, string][] = [];
    const write = async (layer: string, sql: string, params: unknown[]) => {
      await run(db, sql, params);
      written.push([layer, id(layer)]);
    };
    await write(
      'demo.bio-parcelle',
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
      [y, id('demo.bio-parcelle'), [...PERENNIAL]],
    );
    // Level 2 follows the 2015+ structure of annex 1 §2 (parcels instructed within îlots).
    if (y >= 2015) await buildLevel2(db, p, y, id, write, farms);
    for (const [layer, datasetId] of written) {
      await registerDataset(db, layer, datasetId, y, meta);
      ids.push(datasetId);
    }
  }
  return ids;
}

interface Identity {
  id: number;
  siret: string;
  civilite: string | null;
  nom: string;
  nomNaissance: string | null;
  prenoms: string | null;
  mail: string;
  telephone: string;
}

/**
 * Fictional identities of the farms (State-only table): names from lists of invented surnames, e-mail
 * at example.org (RFC 2606), phones in 01 99 00 xx xx (numbers ARCEP reserves for fiction), SIRET a
 * Luhn-valid SIREN starting with 9 then a Luhn-valid establishment number.
 */
async function farmIdentities(db: Database, p: DemoParams): Promise<Identity[]> {
  const farms = await db.query<{ id: number; forme_juri: string }>('SELECT id, forme_juri FROM demo_w_farm ORDER BY id');
  return farms.map((f) => {
    const rng = new Rng(p.seed, 701, f.id);
    const siren = luhnComplete(`9${String(rng.int(0, 9_999_999)).padStart(7, '0')}`);
    const nom = NOMS[rng.int(0, NOMS.length - 1)];
    const femme = rng.next() < 0.3;
    const prenom = (femme ? PRENOMS_F : PRENOMS_H)[rng.int(0, 5)];
    const individuel = f.forme_juri === 'Exploitant individuel';
    const societe = `${f.forme_juri} ${['DES', 'DU', 'DE LA'][rng.int(0, 2)]} ${['CHENES', 'COTEAU', 'GARENNE', 'MOULIN', 'PRADES', 'BARTHE'][rng.int(0, 5)]}`;
    return {
      id: f.id,
      siret: luhnComplete(`${siren}0001`),
      civilite: individuel ? (femme ? 'MME' : 'M.') : null,
      nom: individuel ? nom : societe,
      nomNaissance: individuel ? (femme && rng.next() < 0.5 ? NOMS[rng.int(0, NOMS.length - 1)] : nom) : null,
      prenoms: individuel ? prenom : null,
      mail: `exploitation-${f.id}@example.org`,
      telephone: `0199${String(f.id % 1_000_000).padStart(6, '0')}`.replace(/^0199(\d{6})$/, (_m, d: string) => `01 99 00 ${d.slice(2, 4)} ${d.slice(4, 6)}`),
    };
  });
}

/** Every level-2 table of one campaign, from the generator's ground truth and the level-1 rows. */
async function buildLevel2(db: Database, p: DemoParams, y: number, id: (layer: string) => string, write: (layer: string, sql: string, params: unknown[]) => Promise<void>, farms: Identity[]) {
  const dep = p.codeDep;
  // Îlot: one landscape block worked by one farm; its anonymous number 1 000 000 + block id.
  await write(
    'rpg-n2.ilots',
    `INSERT INTO rpg_n2_ilot_description (campagne, dataset_id, departement, numero_pacage, id_ilot, commune_ilot)
     SELECT DISTINCT ON (f.block_id) $1, $2, $3, fm.pacage, 1000000 + f.block_id, f.insee
     FROM demo_w_field f JOIN demo_w_farm fm ON fm.id = f.farm JOIN demo_w_crop c ON c.field_id = f.id AND c.campagne = $1
     ORDER BY f.block_id, f.id`,
    [y, id('rpg-n2.ilots'), dep],
  );
  await write(
    'rpg-n2.ilot',
    `INSERT INTO rpg_n2_ilot (campagne, dataset_id, departement, id_ilot, geom)
     SELECT $1, $2, $3, 1000000 + f.block_id, ST_Multi(ST_CollectionExtract(ST_Union(ST_Transform(f.geom, 4326)), 3))
     FROM demo_w_field f JOIN demo_w_crop c ON c.field_id = f.id AND c.campagne = $1
     GROUP BY f.block_id`,
    [y, id('rpg-n2.ilot'), dep],
  );
  await write(
    'rpg-n2.parcelle-graphique',
    `INSERT INTO rpg_n2_parcelle_graphique (campagne, dataset_id, departement, id_parcelle, geom)
     SELECT $1, $2, $3, c.id_parcel, ST_Transform(f.geom, 4326)
     FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id WHERE c.campagne = $1`,
    [y, id('rpg-n2.parcelle-graphique'), dep],
  );
  // The crop category is the level-1 crop group of the same parcel (rpg_parcelle: same id, same campaign).
  await write(
    'rpg-n2.parcelles',
    `INSERT INTO rpg_n2_parcelle (campagne, dataset_id, departement, id_parcelle, numero_pacage, commune_ilot, numero_ilot, numero_parcelle,
       code_culture, categorie_culture, precision_culture, semences_certifiees, commercialisation, bio, engagement_bio, surface_admissible,
       culture_derobee_1, culture_derobee_2)
     SELECT c.campagne, $2, $3, c.id_parcel, fm.pacage, f.insee, f.ilot, f.num, c.code_cultu,
       (SELECT r.code_group FROM rpg_parcelle r WHERE r.campagne = $1 AND r.gid = c.id_parcel AND r.dataset_id LIKE 'rpg.parcelle:%' LIMIT 1),
       NULL,
       c.code_cultu = ANY($4::text[]) AND demo_u($5, f.id, 720 + c.campagne % 100) < 0.04,
       NOT (c.code_cultu = ANY($6::text[])),
       c.bio,
       CASE WHEN NOT c.bio THEN NULL WHEN c.campagne - fm.bio_depuis >= CASE WHEN c.code_cultu = ANY($7::text[]) THEN 3 ELSE 2 END THEN 'M' ELSE 'C' END,
       round((f.surf_ha * CASE WHEN c.code_cultu IN ('PPH', 'PRL') THEN 0.95 + 0.05 * demo_u($5, f.id, 721) ELSE 1 END)::numeric, 2)::float8,
       c.culture_d1, c.culture_d2
     FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id JOIN demo_w_farm fm ON fm.id = f.farm
     WHERE c.campagne = $1`,
    [y, id('rpg-n2.parcelles'), dep, CEREALS, p.seed, FORAGE, [...PERENNIAL]],
  );
  const active = `SELECT DISTINCT numero_pacage FROM rpg_n2_parcelle WHERE dataset_id = '${id('rpg-n2.parcelles').replace(/'/g, "''")}'`;
  await write(
    'rpg-n2.exploitants',
    `INSERT INTO rpg_n2_exploitant (campagne, dataset_id, departement, numero_pacage, forme_juridique)
     SELECT $1, $2, $3, fm.pacage, fm.forme_juri FROM demo_w_farm fm WHERE fm.pacage IN (${active})`,
    [y, id('rpg-n2.exploitants'), dep],
  );
  await write(
    'rpg-n2.exploitants_etat',
    `INSERT INTO rpg_n2_exploitant_etat (campagne, dataset_id, departement, numero_pacage, siret, forme_juridique, civilite, nom_raison_sociale,
       nom_naissance, prenoms, adresse_mail, adresse_postale_1, adresse_postale_2, code_postal_postale, commune_postale, code_insee_postale,
       telephone_postale, adresse_siege_1, code_postal_siege, commune_siege, code_insee_siege, telephone_siege)
     SELECT $1, $2, $3, fm.pacage, m.siret, fm.forme_juri, m.civilite, m.nom, m.nom_naissance, m.prenoms, m.mail,
       m.nom, 'LIEU-DIT ' || upper(cm.nom), '47' || lpad((500 + fm.id % 90)::text, 3, '0'), upper(cm.nom), fm.siege, m.tel,
       'LIEU-DIT ' || upper(cm.nom), '47' || lpad((500 + fm.id % 90)::text, 3, '0'), upper(cm.nom), fm.siege, m.tel
     FROM demo_w_farm fm JOIN demo_w_commune cm ON cm.insee = fm.siege
     JOIN unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       AS m(id, siret, civilite, nom, nom_naissance, prenoms, mail, tel) ON m.id = fm.id
     WHERE fm.pacage IN (${active})`,
    [y, id('rpg-n2.exploitants_etat'), dep, farms.map((f) => f.id), farms.map((f) => f.siret), farms.map((f) => f.civilite), farms.map((f) => f.nom),
      farms.map((f) => f.nomNaissance), farms.map((f) => f.prenoms), farms.map((f) => f.mail), farms.map((f) => f.telephone)],
  );
  await write(
    'rpg-n2.maec_mesures',
    `INSERT INTO rpg_n2_maec_mesure (campagne, dataset_id, departement, code_mesure, libelle_mesure, dispositif, campagne_debut, campagne_fin,
       variante_campagne_debut, variante_campagne_fin, montant_net_mesure)
     SELECT $1, $2, $3, m.code, m.libelle, m.dispositif, m.debut, m.fin, m.debut, m.fin, m.montant
     FROM unnest($4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::float8[]) AS m(code, libelle, dispositif, debut, fin, montant)
     WHERE $1 BETWEEN m.debut AND m.fin`,
    [y, id('rpg-n2.maec_mesures'), dep, ...[0, 1, 2, 3, 4, 5].map((k) => MAEC.map((m) => m[k]))],
  );
  // Hedges, tree lines and ponds engaged by a fifth of the livestock and mixed farms, on some of their
  // îlots; hedge length a share of the îlot's perimeter.
  await write(
    'rpg-n2.maec_elements',
    `INSERT INTO rpg_n2_maec_element (campagne, dataset_id, departement, numero_pacage, numero_ilot, type_element, numero_element, maec_1, maec_2, longueur)
     SELECT $1, $2, $3, i.pacage, i.ilot, e.type, row_number() OVER (PARTITION BY i.pacage, i.ilot ORDER BY e.k)::int,
       e.maec, NULL, CASE WHEN e.type = 'HAIE' THEN round((i.perimetre * (0.2 + 0.3 * demo_u($4, i.block_id, 750 + e.k)))::numeric, 1)::float8 ELSE NULL END
     FROM (SELECT fm.pacage, f.ilot, f.block_id, ST_Perimeter(ST_Union(f.geom)) AS perimetre, min(fm.id) AS farm
           FROM demo_w_field f JOIN demo_w_farm fm ON fm.id = f.farm
           WHERE fm.otex IN ('bovins', 'polyculture-elevage') AND demo_u($4, fm.id, 740) < 0.2 AND demo_u($4, f.block_id, 741) < 0.5
           GROUP BY fm.pacage, f.ilot, f.block_id) AS i
     CROSS JOIN LATERAL (VALUES (1, 'HAIE', 'NA_HAIE_01'), (2, CASE WHEN demo_u($4, i.block_id, 742) < 0.5 THEN 'ARBRE_ISOLE' ELSE 'MARE' END,
                                 CASE WHEN demo_u($4, i.block_id, 742) < 0.5 THEN 'NA_ARBR_01' ELSE 'NA_MARE_01' END)) AS e(k, type, maec)
     WHERE $1 <= 2022`,
    [y, id('rpg-n2.maec_elements'), dep, p.seed],
  );
  // Aids from the declared areas: basic payment (rights × unit value converging down over the years),
  // green payment, redistributive payment on the first 52 ha, suckler-cow aid; second pillar: crop
  // insurance, ICHN for some livestock farms, organic conversion (CAB) and maintenance (MAB, until 2017).
  const aids = `
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
      SELECT numero_pacage AS pacage, sum(surface_admissible ORDER BY id_parcelle) AS sau,
        coalesce(sum(surface_admissible ORDER BY id_parcelle) FILTER (WHERE code_culture IN ('PPH', 'PRL', 'PTR', 'RGA')), 0) AS herbe,
        coalesce(sum(surface_admissible ORDER BY id_parcelle) FILTER (WHERE engagement_bio = 'C'), 0) AS conversion,
        coalesce(sum(surface_admissible ORDER BY id_parcelle) FILTER (WHERE engagement_bio = 'M'), 0) AS maintien
      FROM rpg_n2_parcelle WHERE dataset_id = $5 GROUP BY numero_pacage
    ) AS s ON s.pacage = fm.pacage`;
  await write(
    'rpg-n2.pilier1',
    `INSERT INTO rpg_n2_pilier1 (campagne, dataset_id, departement, numero_pacage, dpb_nombre_droits, dpb_montant_unitaire_2015, dpb_montant_unitaire_2016,
       bovins_allaitants_base, bovins_allaitants_50_premiers, bovins_allaitants_51_99, bovins_laitiers_base, montant_net_total)
     SELECT $1, $2, $3, a.pacage, a.droits, round((a.unit / (1 - 0.02 * greatest(0, $1 - 2015)))::numeric, 2)::float8,
       round((a.unit / (1 - 0.02 * greatest(0, $1 - 2015)) * 0.98)::numeric, 2)::float8,
       a.allaitants, least(a.allaitants, 50), greatest(0, least(a.allaitants, 99) - 50), a.laitiers,
       round((a.droits * a.unit + a.droits * 82 + least(a.sau, 52) * 50 + a.allaitants * 160 + a.laitiers * 70)::numeric, 2)::float8
     FROM (${aids}) AS a`,
    [y, id('rpg-n2.pilier1'), dep, p.seed, id('rpg-n2.parcelles')],
  );
  await write(
    'rpg-n2.pilier2',
    `INSERT INTO rpg_n2_pilier2 (campagne, dataset_id, departement, numero_pacage, financier, assurance_recolte, ichn_base, ichn_marais_poitevin, montant_net_total)
     SELECT $1, $2, $3, a.pacage, 'ASP', a.assurance, a.ichn, 0, round((a.assurance + a.ichn + a.maec)::numeric, 2)::float8
     FROM (${aids}) AS a`,
    [y, id('rpg-n2.pilier2'), dep, p.seed, id('rpg-n2.parcelles')],
  );
}

async function registerDataset(db: Database, layer: string, datasetId: string, y: number, meta: { source: string; details: Record<string, unknown> }) {
  const table = RESTRICTED_TABLES[layer];
  await run(
    db,
    `INSERT INTO terroir_dataset (id, layer, campagne, source, producer, licence, vintage, source_srid, feature_count, checksum, synthetic, details)
     SELECT $1, $2, $3, $4, $5, $6, $7, 2154, (SELECT count(*)::int FROM ${table} WHERE dataset_id = $1), NULL, true, $8::jsonb
     ON CONFLICT (id) DO UPDATE SET layer = EXCLUDED.layer, campagne = EXCLUDED.campagne, source = EXCLUDED.source,
       producer = EXCLUDED.producer, licence = EXCLUDED.licence, vintage = EXCLUDED.vintage, feature_count = EXCLUDED.feature_count,
       synthetic = true, imported_at = now(), details = EXCLUDED.details`,
    [
      datasetId,
      layer,
      y,
      meta.source,
      layer.startsWith('rpg-n2.')
        ? 'Terroir demo generator (SYNTHETIC RPG level-2 data: fictional farms, names, payments)'
        : 'Terroir demo generator (SYNTHETIC restricted data: organic status)',
      'Synthetic data; stands in for data under restricted access (instruction DGPE/MVDGN/2018-706 §3.2): serve only under access control',
      String(y),
      JSON.stringify({ ...meta.details, restricted: true, table, ...(layer.startsWith('rpg-n2.') ? { scope: 'rpg:niveau2:lire' } : {}) }),
    ],
  );
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
      [restrictedDatasetId('demo.bio-parcelle', p, y)],
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
