/**
 * `terroir import bio.parcelle …` on files written in the layouts data.gouv.fr publishes (RPG bio 2019
 * without commune fields, 2021 with them, 2023 with PRECISION; .shp.zip and .geojson.gz) and on the
 * CartoBio GeoJSON export, then what afterLoad completes: labels, group, CPF code, units, area.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFiles } from '../../../src/import/engine.ts';
import { bioParcelleTarget } from '../../../src/modules/bio/layers.ts';
import { freshDb, type TestDb } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { seedUnits } from '../../auth/helpers.ts';
import { tempDir } from '../../import/helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/bio/${name}`, import.meta.url));

let t: TestDb;
before(async () => {
  t = await freshDb();
  await seedUnits(t.db);
});
after(async () => t?.close());

type Row = Record<string, unknown>;
const rows = (dataset: string) =>
  t.db.query<Row>(
    `SELECT millesime, code_culture, label_culture, groupe_culture, code_groupe, precision, code_cpf, bio, conversion, surface_ha,
            code_commune, nom_commune, code_epci, code_departement, code_region, cle_source
     FROM bio_parcelle WHERE dataset_id = $1 ORDER BY gid`,
    [dataset],
  );

test('RPG bio 2019 (.shp.zip, Lambert-93, no commune fields): communes, EPCI, département, région found from the contours', async () => {
  const s = await importFiles(t.db, bioParcelleTarget, [fixture('rpg-bio-2019-test.shp.zip')], {});
  assert.equal(s.loaded, 6);
  assert.deepEqual(s.datasets.map((d) => d.id), ['bio.parcelle:rpg-bio-2019-test']);
  const r = await rows('bio.parcelle:rpg-bio-2019-test');
  assert.deepEqual(r.map((x) => x.code_commune), ['29158', '29158', '29158', '29001', '29001', '72187']);
  assert.deepEqual(r.map((x) => x.code_epci), ['200000001', '200000001', '200000001', '200000001', '200000001', '200000002']);
  assert.deepEqual(r.map((x) => x.code_departement), ['29', '29', '29', '29', '29', '72']);
  assert.deepEqual(r.map((x) => x.code_region), ['53', '53', '53', '53', '53', '52']);
  assert.equal(r[0].nom_commune, 'Penmarch');
  assert.ok(r.every((x) => x.millesime === 2019 && x.bio === 1 && x.conversion === 'AB?' && x.precision === null));
  // The file's labels are kept; group number and CPF code come from the nomenclature and the correspondence.
  assert.equal(r[0].code_culture, 'BTH');
  assert.equal(r[0].label_culture, "Blé tendre d'hiver");
  assert.equal(r[0].groupe_culture, 'Blé tendre');
  assert.equal(r[0].code_groupe, 1);
  assert.equal(r[3].code_cpf, '01.21.12');
  // A 0.004° square at 47.75°N: ≈ 300 m × 445 m ≈ 13.3 ha in Lambert-93 (not the file's 12.34).
  const ha = r[0].surface_ha as number;
  assert.ok(ha > 13 && ha < 13.7, `area ${ha}`);
  assert.ok(r.every((x) => /^rpgbio:2019:[0-9a-f]{32}$/.test(String(x.cle_source))));
});

test('RPG bio 2021 (.shp.zip, 10-character DBF names) keeps the file\'s commune fields', async () => {
  const s = await importFiles(t.db, bioParcelleTarget, [fixture('rpg-bio-2021-test.shp.zip')], { campagne: 2021 });
  assert.equal(s.loaded, 6);
  const r = await rows('bio.parcelle:2021:rpg-bio-2021-test');
  assert.equal(r[0].nom_commune, 'Commune 29158', 'LBL_COMMUN as published');
  assert.deepEqual(r.map((x) => x.code_epci), ['200000001', '200000001', '200000001', '200000001', '200000001', '200000002']);
  assert.ok(r.every((x) => x.millesime === 2021 && x.bio === 1));
});

test('RPG bio 2023 (.geojson.gz, WGS84) with PRECISION', async () => {
  const s = await importFiles(t.db, bioParcelleTarget, [fixture('rpg-bio-2023-test.geojson.gz')], {});
  assert.equal(s.loaded, 6);
  const r = await rows('bio.parcelle:rpg-bio-2023-test');
  assert.deepEqual(r.map((x) => x.precision), [null, null, null, '001', null, null]);
  assert.equal(r[3].code_commune, '29001');
});

test('--annee that contradicts MILLESIME rejects the features; a file without MILLESIME needs --annee', async () => {
  const s = await importFiles(t.db, bioParcelleTarget, [fixture('rpg-bio-2023-test.geojson.gz')], { campagne: 2022 }).catch((e: Error) => e);
  const msg = s instanceof Error ? s.message : JSON.stringify(s.rejections);
  assert.match(msg, /MILLESIME 2023 differs from --annee 2022/);
});

test('CartoBio GeoJSON export (the sample that failed with "numero is missing")', { skip: skipWithoutShared('data', 'bio', '_demo-not-official', 'sample-plots.json') }, async () => {
  const file = sharedPath('data', 'bio', '_demo-not-official', 'sample-plots.json');
  const missing = await importFiles(t.db, bioParcelleTarget, [file], { campagne: 2024 }).catch((e: Error) => e);
  assert.match(missing instanceof Error ? missing.message : JSON.stringify(missing), /farm number is missing/);
  const s = await importFiles(t.db, bioParcelleTarget, [file], { campagne: 2024, options: { exploitation: '082000001' } });
  assert.equal(s.loaded, 110);
  const r = await t.db.query<Row>(`SELECT conversion, count(*)::int AS n FROM bio_parcelle WHERE dataset_id = 'bio.parcelle:2024:sample-plots' GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(r, [{ conversion: 'AB?', n: 110 }], "'BIO' and empty levels are AB? (organic, year not known)");
  const [one] = await t.db.query<Row>(`SELECT cle_source, code_culture, code_cpf, label_culture FROM bio_parcelle WHERE cle_source = 'cartobio:082000001:1.1'`);
  assert.deepEqual(one, { cle_source: 'cartobio:082000001:1.1', code_culture: 'VRC', code_cpf: '01.21.12', label_culture: 'Vigne : raisins de cuve' });
});

test('the area is computed in the legal projection of where the parcel lies: Lambert-93, Antilles, Guyane, Réunion, Mayotte', async () => {
  const tmp = tempDir('terroir-bio-legal-');
  try {
    const at: [string, number, number, number][] = [
      ['1.1', -4.45, 47.75, 2154], ['1.2', -61.05, 14.65, 5490], ['1.3', -52.35, 4.9, 2972], ['1.4', 55.45, -21.1, 2975], ['1.5', 45.15, -12.8, 4471],
    ];
    const file = join(tmp.dir, 'outre-mer.geojson');
    const sq = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]] });
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: at.map(([id, x, y]) => ({ type: 'Feature', id, properties: { culture_type: ['PPH'], niveau_conversion: 'AB' }, geometry: sq(x, y) })) }));
    await importFiles(t.db, bioParcelleTarget, [file], { campagne: 2024, options: { exploitation: '097000001' } });
    for (const [id, , , srid] of at) {
      const [r] = await t.db.query<{ ha: number; legal: number; l93: number }>(
        `SELECT surface_ha AS ha, round((ST_Area(ST_Transform(geom, $2::int)) / 1e4)::numeric, 4)::float8 AS legal, round((ST_Area(ST_Transform(geom, 2154)) / 1e4)::numeric, 4)::float8 AS l93
         FROM bio_parcelle WHERE cle_source = $1`,
        [`cartobio:097000001:${id}`, srid],
      );
      assert.ok(r, `parcel ${id} loaded`);
      assert.equal(r.ha, r.legal, `parcel ${id}: the area in EPSG:${srid}`);
      if (srid !== 2154) assert.ok(Math.abs(r.ha - r.l93) > 0.5, `parcel ${id}: not the Lambert-93 area (${r.ha} vs ${r.l93})`);
    }
  } finally {
    tmp.cleanup();
  }
});
