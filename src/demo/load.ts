/**
 * Loads the generated territory THROUGH THE IMPORT PATH: each layer is read out of the demo_w_*
 * tables as the features of the file it would be published in (Etalab cadastre, RPG
 * PARCELLES_GRAPHIQUES / ILOTS_ANONYMES, INAO delimitation, CNIG layers), in Lambert-93 like the real
 * files, and handed to the catalogue's ImportTarget through the engine's importFeatures(), which
 * maps, checks, reprojects, swaps and records the dataset (flagged synthetic).
 *
 * A layer whose target is not in the catalogue is skipped and reported (`missing`), never faked.
 */
import type { Database } from '../db/database.ts';
import { importFeatures, type ImportSummary } from '../import/engine.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { SourceFeature } from '../import/readers/feature.ts';
import type { ImportContext, ImportTarget } from '../import/target.ts';
import type { DemoParams } from './params.ts';
import type { Nomenclature } from './crops.ts';
import { upperNoAccents } from './names.ts';
import { registerDemoUnits } from './units.ts';
import { natureZones } from './nature.ts';
import { DEMO_LICENCE, DEMO_PRODUCER } from './params.ts';

/** Coordinates of the generated files: centimetres in Lambert-93. */
const DIGITS = 2;

export interface LoadReport {
  datasets: string[];
  imports: number;
  features: number;
  /** Layers the demo would load but no ImportTarget is registered for. */
  missing: string[];
  byLayer: Record<string, { imports: number; features: number; seconds: number }>;
}

interface Loader {
  db: Database;
  catalog: Catalog;
  p: DemoParams;
  meta: { source: string; details: Record<string, unknown> };
  report: LoadReport;
  progress: (step: string, detail?: Record<string, unknown>) => void;
}

function target(l: Loader, layer: string): ImportTarget | undefined {
  const t = l.catalog.target(layer);
  if (!t && !l.report.missing.includes(layer)) l.report.missing.push(layer);
  return t;
}

/** Reads features with `sql` (columns: props json, geom json), 1-based indexes as a reader gives. */
async function read(db: Database, sql: string, params: readonly unknown[]): Promise<SourceFeature[]> {
  const rows = await db.query<{ props: Record<string, unknown>; geom: SourceFeature['geometry'] }>(sql, params);
  return rows.map((r, i) => ({ index: i + 1, properties: r.props, geometry: typeof r.geom === 'string' ? JSON.parse(r.geom) : r.geom }));
}

async function load(l: Loader, t: ImportTarget, features: SourceFeature[], ctx: Omit<ImportContext, 'srid'>): Promise<ImportSummary> {
  const t0 = performance.now();
  const s = await importFeatures(l.db, t, features, { srid: 2154, ...ctx }, {
    source: `${l.meta.source}: ${ctx.file}`,
    producer: DEMO_PRODUCER,
    licence: DEMO_LICENCE,
    synthetic: true,
    strict: true,
    details: l.meta.details,
  });
  const b = (l.report.byLayer[t.layer] ??= { imports: 0, features: 0, seconds: 0 });
  b.imports++;
  b.features += s.loaded;
  b.seconds += (performance.now() - t0) / 1000;
  l.report.imports++;
  l.report.features += s.loaded;
  for (const d of s.datasets) if (!l.report.datasets.includes(d.id)) l.report.datasets.push(d.id);
  return s;
}

/**
 * Geometries leave in centimetres, as published files are: snapped to a 1 cm grid with
 * ST_ReducePrecision first, which keeps them valid (plain rounding may make a narrow piece
 * self-intersect, which the engine would then have to repair).
 */
const geo = (col: string) => `ST_AsGeoJSON(ST_ReducePrecision(${col}, 0.01), ${DIGITS})::json`;

/** Cadastre, per commune as Etalab publishes it: communes, feuilles, then parcels (Etalab layouts). */
async function cadastre(l: Loader): Promise<void> {
  const tc = target(l, 'cadastre.commune');
  const tf = target(l, 'cadastre.feuille');
  const tp = target(l, 'cadastre.parcelle');
  if (!tc && !tf && !tp) return;
  const edition = `${l.p.annees[l.p.annees.length - 1] + 1}-01-01`;
  const communes = await l.db.query<{ insee: string; nom: string }>('SELECT insee, nom FROM demo_w_commune ORDER BY insee');
  for (const c of communes) {
    const options = { dataset: c.insee, nom_com: c.nom, edition };
    if (tc) {
      const fs = await read(l.db, `SELECT json_build_object('id', insee, 'nom', nom, 'created', $2::text, 'updated', $2::text) AS props, ${geo('geom')} AS geom
        FROM demo_w_commune WHERE insee = $1`, [c.insee, edition]);
      await load(l, tc, fs, { file: `cadastre-${c.insee}-communes.json`, options });
    }
    if (tf) {
      const fs = await read(
        l.db,
        `SELECT json_build_object('id', insee || '000' || section || lpad(feuille::text, 2, '0'), 'commune', insee, 'prefixe', '000',
           'section', section, 'numero', lpad(feuille::text, 2, '0'), 'qualite', '2', 'modeConfection', 'E',
           'echelle', CASE WHEN section LIKE 'Z%' THEN '2000' ELSE '1000' END, 'created', $2::text, 'updated', $2::text) AS props,
           ${geo('geom')} AS geom
         FROM demo_w_section WHERE insee = $1 ORDER BY section, feuille`,
        [c.insee, edition],
      );
      await load(l, tf, fs, { file: `cadastre-${c.insee}-feuilles.json`, options });
    }
    if (tp) {
      // created/updated: deterministic dates in the past of the edition.
      const fs = await read(
        l.db,
        `SELECT json_build_object('id', insee || '000' || section || numero, 'commune', insee, 'prefixe', '000', 'section', section,
           'numero', numero, 'contenance', contenance, 'arpente', false,
           'created', (date '2003-01-01' + (demo_u($2, id, 81) * 5000)::int)::text,
           'updated', (date '2017-01-01' + (demo_u($2, id, 82) * 2000)::int)::text) AS props,
           ${geo('geom')} AS geom
         FROM demo_w_cadastre WHERE insee = $1 ORDER BY section, numero`,
        [c.insee, l.p.seed],
      );
      await load(l, tp, fs, { file: `cadastre-${c.insee}-parcelles.json`, options });
    }
    l.progress('cadastre commune loaded', { insee: c.insee });
  }
}

/** RPG per campaign: PARCELLES_GRAPHIQUES from 2015, ILOTS_ANONYMES before. */
async function rpg(l: Loader, nom: Nomenclature): Promise<void> {
  const options = { dep: l.p.codeDep };
  for (const y of l.p.annees) {
    if (y >= 2015) {
      const t = target(l, 'rpg.parcelle');
      if (!t) continue;
      const fs = await read(
        l.db,
        `SELECT json_build_object('ID_PARCEL', c.id_parcel::text, 'SURF_PARC', round((f.surf_ha)::numeric, 2)::float8,
           'CODE_CULTU', c.code_cultu, 'CODE_GROUP', g.code_groupe::text, 'CULTURE_D1', c.culture_d1, 'CULTURE_D2', c.culture_d2) AS props,
           ${geo('f.geom')} AS geom
         FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id
         LEFT JOIN nomenclature_culture g ON g.code = c.code_cultu
         WHERE c.campagne = $1 ORDER BY c.id_parcel`,
        [y],
      );
      await load(l, t, fs, { file: `PARCELLES_GRAPHIQUES_${y}_D0${l.p.codeDep}.shp`, campagne: y, options });
    } else {
      const t = target(l, 'rpg.ilot');
      if (!t) continue;
      // An îlot: one farm's block (the fields and the strips between them), with its main crop group.
      const labels = [...nom.groupLabelsBefore2015.entries()];
      const fs = await read(
        l.db,
        `WITH parts AS (
           SELECT f.farm, f.block_id, f.ilot, g.code_groupe AS grp, sum(f.surf_ha ORDER BY f.id) AS ha
           FROM demo_w_crop c JOIN demo_w_field f ON f.id = c.field_id JOIN nomenclature_culture g ON g.code = c.code_cultu
           WHERE c.campagne = $1 GROUP BY f.farm, f.block_id, f.ilot, g.code_groupe
         ), ilots AS (
           SELECT farm, block_id, ilot, sum(ha ORDER BY grp) AS decla,
                  (array_agg(grp ORDER BY ha DESC, grp))[1] AS grp, max(ha) AS cultu
           FROM parts GROUP BY farm, block_id, ilot
         )
         SELECT json_build_object('NUM_ILOT', '0' || $2::text || '-' || (row_number() OVER (ORDER BY i.farm, i.ilot) + ($1 % 100) * 100000)::text,
           'COMMUNE', b.insee, 'FORME_JURI', fm.forme_juri, 'SURF_DECLA', round(i.decla::numeric, 2)::float8,
           'DEP_RATTAC', '0' || $2::text, 'SURF_GRAPH', round((ST_Area(g.geom) / 1e4)::numeric, 2)::float8,
           'SURF_CULTU', round(i.cultu::numeric, 2)::float8, 'CODE_CULTU', lpad(i.grp::text, 2, '0'), 'NOM_CULTU', lb.libelle) AS props,
           ${geo('g.geom')} AS geom
         FROM ilots i JOIN demo_w_block b ON b.id = i.block_id JOIN demo_w_farm fm ON fm.id = i.farm
         JOIN unnest($3::int[], $4::text[]) AS lb(code, libelle) ON lb.code = i.grp,
         LATERAL (SELECT ST_Multi(ST_CollectionExtract(ST_Buffer(b.geom, -3), 3)) AS geom) AS g
         ORDER BY i.farm, i.ilot`,
        [y, l.p.codeDep, labels.map((x) => x[0]), labels.map((x) => x[1])],
      );
      await load(l, t, fs, { file: `ILOTS_ANONYMES_${y}_D0${l.p.codeDep}.shp`, campagne: y, options });
    }
    l.progress('RPG campaign loaded', { campagne: y });
  }
}

async function aoc(l: Loader): Promise<void> {
  const t = target(l, 'aoc.appellation-viticole');
  if (!t) return;
  const fs = await read(l.db, `SELECT props, ${geo('geom')} AS geom FROM demo_w_feature WHERE layer = 'aoc' ORDER BY id`, []);
  if (fs.length) await load(l, t, fs, { file: `delimitation-aoc-D${l.p.codeDep}-synthetique.shp`, options: { zone: `demo-${l.p.codeDep}` } });
}

const GPU_LAYERS: [string, string][] = [
  ['zone_urba', 'gpu.zone-urba'],
  ['secteur_cc', 'gpu.secteur-cc'],
  ['prescription_surf', 'gpu.prescription-surf'],
  ['prescription_lin', 'gpu.prescription-lin'],
  ['prescription_pct', 'gpu.prescription-pct'],
  ['info_surf', 'gpu.info-surf'],
];

/** One document at a time, each layer in its GPU partition, as a CNIG folder import does. */
async function urbanisme(l: Loader): Promise<void> {
  const docs = await l.db.query<{ partition: string; idurba: string; communes: string }>(
    `SELECT props->>'_partition' AS partition, props->>'IDURBA' AS idurba, props->>'_communes' AS communes
     FROM demo_w_feature WHERE layer = 'doc_urba' ORDER BY id`,
  );
  const strip = `props - '_partition' - '_communes'`;
  for (const d of docs) {
    const options = { partition: d.partition, idurba: d.idurba, communes: d.communes };
    for (const [layer, id] of GPU_LAYERS) {
      const t = target(l, id);
      if (!t) continue;
      const fs = await read(l.db, `SELECT ${strip} AS props, ${geo('geom')} AS geom FROM demo_w_feature WHERE layer = $1 AND props->>'_partition' = $2 ORDER BY id`, [layer, d.partition]);
      if (fs.length) await load(l, t, fs, { file: `${d.idurba.split('_')[0]}_${layer.toUpperCase()}_${d.idurba.split('_')[2]}.shp`, options });
    }
    const t = target(l, 'gpu.document');
    if (t) {
      const fs = await read(l.db, `SELECT ${strip} AS props, ${geo('geom')} AS geom FROM demo_w_feature WHERE layer = 'doc_urba' AND props->>'_partition' = $1`, [d.partition]);
      await load(l, t, fs, { file: `${d.idurba.split('_')[0]}_DOC_URBA.dbf`, options });
    }
  }
  // The GPU's municipality layer comes from the administrative units (COG), which do not know fictional
  // communes: they are loaded in the layout the GPU answers them (the layer's only other import path).
  const tm = target(l, 'gpu.municipality-apicarto');
  if (tm) {
    const rows = await l.db.query<{ insee: string; nom: string; geom: SourceFeature['geometry'] }>(
      `SELECT insee, nom, ${geo('geom')} AS geom FROM demo_w_commune ORDER BY insee`,
    );
    const fs: SourceFeature[] = rows.map((r, i) => ({
      index: i + 1,
      properties: { gid: Number(r.insee), insee: r.insee, name: upperNoAccents(r.nom), is_rnu: false, is_deleted: false, is_coastline: false },
      geometry: typeof r.geom === 'string' ? JSON.parse(r.geom) : r.geom,
    }));
    await load(l, tm, fs, { file: `municipality-D${l.p.codeDep}-synthetique.json`, options: { dataset: `demo-${l.p.codeDep}` } });
  }
}

/** Communes and EPCI as administrative units with contours (src/demo/units.ts), for territory checks. */
async function units(l: Loader): Promise<void> {
  const t0 = performance.now();
  const ids = await registerDemoUnits(l.db, l.p.codeDep, l.meta);
  l.report.datasets.push(...ids);
  l.report.byLayer['limites-administratives'] = { imports: ids.length, features: 0, seconds: (performance.now() - t0) / 1000 };
}

export async function loadTerritory(
  db: Database,
  p: DemoParams,
  nom: Nomenclature,
  meta: Loader['meta'],
  catalog: Catalog,
  progress: Loader['progress'] = () => {},
): Promise<LoadReport> {
  const l: Loader = { db, catalog, p, meta, progress, report: { datasets: [], imports: 0, features: 0, missing: [], byLayer: {} } };
  const steps: [string, () => Promise<void>][] = [
    ['administrative units', () => units(l)],
    ['RPG', () => rpg(l, nom)],
    ['AOC', () => aoc(l)],
    ['urbanisme', () => urbanisme(l)],
    ['cadastre', () => cadastre(l)],
    ['nature', async () => {
      for (const z of await natureZones(l.db, l.p.codeDep)) {
        const t = target(l, z.layer);
        if (t) await load(l, t, z.features, { file: z.file, options: {} });
      }
    }],
  ];
  for (const [name, fn] of steps) {
    const t0 = performance.now();
    await fn();
    progress(`${name} loaded`, { ms: Math.round(performance.now() - t0) });
  }
  return l.report;
}

