import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { testApp, assertProblem, type TestApp } from '../../helpers/app.ts';
import { importFeatures, importFiles } from '../../../src/import/engine.ts';
import { createZoneTable, zoneTarget } from '../../fixtures/import/target.ts';

const FIX = new URL('../../fixtures/import/', import.meta.url).pathname;
let t: TestApp;

before(async () => {
  t = await testApp();
  await createZoneTable(t.db);
  // Two real imports (one with a campaign), one synthetic.
  await importFiles(t.db, zoneTarget(), [join(FIX, 'latin1/ZONES.shp')], { options: { lot: 'a' }, vintage: '2017-10' });
  await importFiles(t.db, zoneTarget({ datasetId: (ctx) => `test.zone:${ctx.campagne}` }), [join(FIX, 'reunion/PARCELLES.shp')], { campagne: 2021 });
  const sq = { type: 'Polygon', coordinates: [[[2, 48], [2.001, 48], [2.001, 48.001], [2, 48]]] };
  await importFeatures(t.db, zoneTarget({ layer: 'test.demo' }), [{ index: 1, properties: { CODE: 'D1', RANG: 1 }, geometry: sq }], { file: 'demo', srid: 4326, options: { lot: 'demo' } }, { synthetic: true, source: 'terroir-demo@0.1.0' });
});
after(() => t?.close());

test('GET /api/datasets lists every dataset with its metadata sheet, synthetic shown', async () => {
  const res = await t.app.inject('/api/datasets');
  assert.equal(res.statusCode, 200);
  const body = res.json() as Record<string, unknown>[];
  assert.deepEqual(body.map((d) => [d.id, d.layer, d.synthetic]), [
    ['test.zone:demo', 'test.demo', true],
    ['test.zone:2021', 'test.zone', false],
    ['test.zone:a', 'test.zone', false],
  ]);
  const a = body.find((d) => d.id === 'test.zone:a')!;
  assert.equal(a.source, 'ZONES.shp');
  assert.equal(a.producer, 'Terroir tests');
  assert.equal(a.licence, 'CC0');
  assert.equal(a.vintage, '2017-10');
  assert.equal(a.source_srid, 2154);
  assert.equal(a.feature_count, 3);
  assert.equal(a.campagne, null);
  assert.match(String(a.checksum), /^[0-9a-f]{64}$/);
  assert.match(String(a.imported_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(a.details, undefined, 'details only on the dataset itself');
  const r = body.find((d) => d.id === 'test.zone:2021')!;
  assert.equal(r.campagne, 2021);
  assert.equal(r.vintage, '2021');
  assert.equal(r.source_srid, 2975);
});

test('filters: ?layer=, ?campagne=, ?synthetic=', async () => {
  const ids = async (qs: string) => ((await t.app.inject(`/api/datasets?${qs}`)).json() as { id: string }[]).map((d) => d.id);
  assert.deepEqual(await ids('layer=test.zone'), ['test.zone:2021', 'test.zone:a']);
  assert.deepEqual(await ids('layer=test.demo'), ['test.zone:demo']);
  assert.deepEqual(await ids('campagne=2021'), ['test.zone:2021']);
  assert.deepEqual(await ids('campagne=2020'), []);
  assert.deepEqual(await ids('synthetic=true'), ['test.zone:demo']);
  assert.deepEqual(await ids('synthetic=false&layer=test.zone&campagne=2021'), ['test.zone:2021']);
  assert.deepEqual(await ids('layer=rpg.parcelle'), []);
});

test('GET /api/datasets/:id gives the sheet with import details', async () => {
  const res = await t.app.inject('/api/datasets/test.zone:a');
  assert.equal(res.statusCode, 200);
  const d = res.json();
  assert.equal(d.id, 'test.zone:a');
  assert.equal(d.details.repaired, 1);
  assert.equal(d.details.sources[0].encoding, 'windows-1252');
  assert.equal(d.details.files.length, 4);
  const demo = (await t.app.inject('/api/datasets/test.zone:demo')).json();
  assert.equal(demo.synthetic, true);
  assert.equal(demo.source, 'terroir-demo@0.1.0');
});

test('bad input: unknown dataset 404, bad or unknown parameters 400 naming them', async () => {
  assertProblem(await t.app.inject('/api/datasets/nope:1'), 404);
  assertProblem(await t.app.inject('/api/datasets?campagne=deux'), 400, 'campagne');
  assertProblem(await t.app.inject('/api/datasets?campagne=1800'), 400, 'campagne');
  assertProblem(await t.app.inject('/api/datasets?layer=RPG%20parcelle'), 400, 'layer');
  assertProblem(await t.app.inject('/api/datasets?synthetic=peut-etre'), 400, 'synthetic');
  assertProblem(await t.app.inject('/api/datasets?annee=2021'), 400, 'annee');
  assertProblem(await t.app.inject(`/api/datasets/${'x'.repeat(180)}`), 400, 'id');
});

test('a sheet names the source files, never a server path nor an internal table (issue 11)', async () => {
  const d = (await t.app.inject('/api/datasets/test.zone:a')).json();
  assert.deepEqual(d.details.files.map((f: { file: string }) => f.file).sort(), ['ZONES.dbf', 'ZONES.prj', 'ZONES.shp', 'ZONES.shx']);
  const text = JSON.stringify(d);
  assert.ok(!text.includes(FIX), 'no absolute path of the server');
  assert.doesNotMatch(text, /"\/(tmp|home|work|srv|var)\//);
  // A sheet written by an older import (absolute paths) or by a derived dataset (a table name) is
  // published the same way.
  await t.db.query(
    `INSERT INTO terroir_dataset (id, layer, source, producer, licence, feature_count, details)
     VALUES ('gpu.municipality:test', 'gpu.municipality', 'gpu_municipality', 'IGN', 'LO 2.0', 1, $1::jsonb)`,
    [JSON.stringify({ files: [{ file: '/srv/terroir/incoming/x/COMMUNE.shp', bytes: 1 }], table: 'gpu_municipality', from: 'C:\\data\\a.zip' })],
  );
  const old = (await t.app.inject('/api/datasets/gpu.municipality:test')).json();
  assert.equal(old.source, 'gpu.municipality');
  assert.deepEqual(old.details, { files: [{ file: 'COMMUNE.shp', bytes: 1 }], from: 'a.zip' });
  const listed = ((await t.app.inject('/api/datasets?layer=gpu.municipality')).json() as { source: string }[])[0];
  assert.equal(listed.source, 'gpu.municipality');
});
