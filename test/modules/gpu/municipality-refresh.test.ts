/**
 * The municipality layer follows the commune contour import that changes its input, in that import's
 * transaction (before: only a restart's bootstrap derived it, so `/api/gpu/municipality?insee=30014`
 * stayed empty after the contours were imported).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { MODULES } from '../../../src/modules/index.ts';
import { loadContours } from '../../../src/modules/limites-administratives/contours.ts';
import { DERIVED_DATASET, refreshMunicipalities } from '../../../src/modules/gpu/municipality.ts';
import { importFeatures } from '../../../src/import/engine.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';

let t: TestApp;
before(async () => {
  t = await testApp();
  await MODULES.find((m) => m.name === 'limites-administratives')!.bootstrap!(t.db, t.app.log);
});
after(async () => t?.close());

const box = (x: number, y: number, d: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] });
const municipality = async (q: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/gpu/municipality?${q}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
const META = { producer: 'Terroir tests', licence: 'none', synthetic: true };

test(`${BACKEND}: a commune contour import makes the commune a GPU municipality at once, RNU until a document covers it`, async () => {
  assert.equal((await municipality('insee=30014')).totalFeatures, 0);
  await loadContours(t.db, 'commune', [{ code: '30014', geometry: box(4.34, 43.97, 0.06) }], { ...META, source: 'a.geojson' });
  const m = await municipality('insee=30014');
  assert.equal(m.totalFeatures, 1);
  assert.deepEqual(m.features[0].properties, { insee: '30014', name: 'ARPAILLARGUES-ET-AUREILLAC', is_rnu: true, is_deleted: false, is_coastline: null });
  assert.equal((await municipality(`geom=${encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [4.37, 44.0] }))}`)).totalFeatures, 1);
  // Its PLU: no longer RNU.
  await t.db.query(`INSERT INTO gpu_document (dataset_id, partition, grid_name, name, du_type) VALUES ('gpu.document:DU_30014', 'DU_30014', '30014', '30014_PLU_20171013', 'PLU')`);
  assert.equal((await municipality('insee=30014')).features[0].properties.is_rnu, false);
  // A new contour replaces the derived row (one row, the new geometry); the sheet counts the rows.
  await loadContours(t.db, 'commune', [{ code: '30014', geometry: box(4.0, 43.0, 0.01) }], { ...META, source: 'b.geojson' });
  const again = await municipality('insee=30014');
  assert.equal(again.totalFeatures, 1);
  assert.ok(Math.abs(again.bbox[0] - 4.0) < 1e-9, `moved: ${again.bbox}`);
  const [sheet] = await t.db.query<{ feature_count: number }>('SELECT feature_count FROM terroir_dataset WHERE id = $1', [DERIVED_DATASET]);
  assert.equal(sheet.feature_count, 1);
});

test(`${BACKEND}: a commune the GPU answered keeps the GPU's row, without a derived duplicate`, async () => {
  await t.db.query(
    `INSERT INTO gpu_municipality (dataset_id, insee, name, is_rnu, is_deleted, is_coastline, the_geom)
     VALUES ('gpu.municipality:apicarto:t', '29158', 'PENMARCH', false, false, true, ST_Multi(ST_GeomFromText('POLYGON((-4.4 47.79,-4.33 47.79,-4.33 47.83,-4.4 47.83,-4.4 47.79))', 4326)))`,
  );
  await loadContours(t.db, 'commune', [{ code: '29158', geometry: box(-4.4, 47.79, 0.04) }], { ...META, source: 'c.geojson' });
  const m = await municipality('insee=29158');
  assert.equal(m.totalFeatures, 1);
  assert.equal(m.features[0].properties.is_coastline, true);
});

test(`${BACKEND}: a GPU answer imported after the contours takes the derived row's place (one feature per commune)`, async () => {
  await loadContours(t.db, 'commune', [{ code: '29001', geometry: box(-4.3, 47.7, 0.05) }], { ...META, source: 'd.geojson' });
  assert.equal((await municipality('insee=29001')).totalFeatures, 1);
  const answer = [{ index: 1, properties: { gid: 1, insee: '29001', name: 'AUDIERNE', is_rnu: false, is_deleted: false, is_coastline: true }, geometry: box(-4.3, 47.7, 0.05) }];
  await importFeatures(t.db, IMPORT_TARGETS.get('gpu.municipality-apicarto')!, answer, { file: 'municipality-29001.json', srid: 4326, options: {} }, META);
  const m = await municipality('insee=29001');
  assert.equal(m.totalFeatures, 1, JSON.stringify(m.features.map((f: { properties: unknown }) => f.properties)));
  assert.equal(m.features[0].properties.is_coastline, true, 'the GPU answer');
  const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gpu_municipality WHERE insee = $1 AND dataset_id = $2', ['29001', DERIVED_DATASET]);
  assert.equal(n, 0);
});

test(`${BACKEND}: a commune whose own PLU is loaded but not its contour is a municipality with the PLU's perimeter, until its contour comes`, async () => {
  // Aubord (30020): no contour. A PLUi (DU_<siren>) does not stand for one commune; its own PLU does.
  const plu = `ST_Multi(ST_GeomFromGeoJSON('${JSON.stringify(box(4.30, 43.75, 0.04))}'))`;
  await t.db.query(`INSERT INTO gpu_document (dataset_id, partition, grid_name, name, du_type, the_geom)
    VALUES ('gpu.document:DU_200000000', 'DU_200000000', '200000000', '200000000_PLUI_20200101', 'PLUi', ST_Multi(ST_GeomFromGeoJSON('${JSON.stringify(box(4.2, 43.7, 0.3))}')))`);
  await refreshMunicipalities(t.db);
  assert.equal((await municipality('insee=30020')).totalFeatures, 0, 'a PLUi alone gives no commune row');
  await t.db.query(`INSERT INTO gpu_document (dataset_id, partition, grid_name, name, du_type, the_geom)
    VALUES ('gpu.document:DU_30020', 'DU_30020', '30020', '30020_PLU_20190101', 'PLU', ${plu})`);
  await refreshMunicipalities(t.db, { onlyIfMissing: true }); // what a CNIG import runs at its end
  const m = await municipality('insee=30020');
  assert.equal(m.totalFeatures, 1);
  assert.deepEqual(m.features[0].properties, { insee: '30020', name: 'AUBORD', is_rnu: false, is_deleted: false, is_coastline: null });
  assert.deepEqual(m.bbox.map((v: number) => Math.round(v * 100) / 100), [4.3, 43.75, 4.34, 43.79]);
  assert.equal((await municipality(`geom=${encodeURIComponent(JSON.stringify({ type: 'Point', coordinates: [4.32, 43.77] }))}`)).features.filter((f: { properties: { insee: string } }) => f.properties.insee === '30020').length, 1);
  // Its contour arrives: the contour replaces the perimeter, still one row.
  await loadContours(t.db, 'commune', [{ code: '30020', geometry: box(4.31, 43.76, 0.02) }], { ...META, source: 'c.geojson' });
  const after = await municipality('insee=30020');
  assert.equal(after.totalFeatures, 1);
  assert.deepEqual(after.bbox.map((v: number) => Math.round(v * 100) / 100), [4.31, 43.76, 4.33, 43.78]);
});
