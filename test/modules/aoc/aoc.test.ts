import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertProblem, testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { aocAppellationViticole } from '../../../src/modules/aoc/layers.ts';
import { importFeatures, importFiles } from '../../../src/import/engine.ts';

// Chapelle-Chambertin (shared sample) and its neighbour Griotte-Chambertin (fixture copied from the
// same opendatawine commit, see fixtures/README.md): two real INAO zones sharing a boundary.
const skip = skipWithoutShared('data', 'aoc', '21295', '00475.geojson');
const CHAPELLE = sharedPath('data', 'aoc', '21295', '00475.geojson');
const GRIOTTE = fileURLToPath(new URL('./fixtures/00646.geojson', import.meta.url));
const COMMUNES_21 = sharedPath('data', 'communes', 'communes-21-cote-d-or.geojson');
const ctx = { file: 'x.geojson', srid: 4326, options: { zone: '21295' } };

const INAO_KEYS = ['dt', 'type_prod', 'categorie', 'type_denom', 'signe', 'id_app', 'app', 'id_denom', 'denom', 'insee', 'cvi', 'nomcom', 'insee2011', 'nomcom2011', 'id_aire', 'crinao', 'grp_name1', 'grp_name2'];
const ADDED_KEYS = ['idapp', 'segment', 'appellation', 'id_uni', 'granularite', 'instruction_obligatoire', 'contains'];

let t: TestApp;
const post = (payload: Record<string, unknown>, qs = '') => t.app.inject({ method: 'POST', url: `/api/aoc/appellation-viticole${qs}`, payload });
const ids = (res: { json(): { features: { id: string }[] } }) => res.json().features.map((f) => f.id);
/** A point PostGIS says is inside the zone `id_denom` (not on its boundary). */
const inside = async (idDenom: number) =>
  JSON.parse((await t.db.query<{ p: string }>('SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 15) AS p FROM aoc_appellation_viticole WHERE id_denom = $1', [idDenom]))[0].p);

before(async () => {
  if (skip) return;
  t = await testApp();
  // Through the import engine, as `terroir import aoc.appellation-viticole --option zone=21295 <files>` does.
  const summary = await importFiles(t.db, aocAppellationViticole, [CHAPELLE, GRIOTTE], { options: { zone: '21295' } });
  assert.deepEqual(summary.datasets.map((d) => d.id), ['aoc.appellation-viticole:21295']);
  assert.equal(summary.read, 4, 'two files, each holding its feature twice');
});
after(async () => t?.close());

test('aoc.appellation-viticole target: registered, keys and dataset ids', () => {
  assert.equal(IMPORT_TARGETS.get('aoc.appellation-viticole'), aocAppellationViticole);
  const f = (p: Record<string, unknown>) => ({ index: 1, properties: p, geometry: null }) as SourceFeature;
  const row = (p: Record<string, unknown>) => Object.fromEntries(aocAppellationViticole.columns.map((c) => [c.name, c.value(f(p), ctx)]));
  const r = row({ ID_DENOM: '475', INSEE: 1001, APP: ' Bugey ', ID_APP: 7 });
  assert.equal(r.id_uni, '1-475-01001', 'numeric INSEE padded, upper-case field names read');
  assert.equal(r.insee, '01001');
  assert.equal(r.departement, '01');
  assert.equal(r.app, 'Bugey');
  assert.equal(row({ id_denom: 1, insee: '2a004' }).departement, '2A');
  assert.throws(() => row({ insee: '21295' }), /id_denom is missing/);
  assert.throws(() => row({ id_denom: 1, insee: 'Gevrey' }), /insee/);
  assert.throws(() => row({ id_denom: 'x', insee: '21295' }), /not a number/);
  assert.equal(aocAppellationViticole.datasetId({ ...ctx, options: {} }), 'aoc.appellation-viticole:x.geojson');
  assert.equal(aocAppellationViticole.datasetId({ ...ctx, file: '/o/delimitation_aoc/21/21295/00475.geojson', options: {} }), 'aoc.appellation-viticole:21295/00475.geojson');
  assert.equal(aocAppellationViticole.datasetId(ctx), 'aoc.appellation-viticole:21295');
  assert.throws(() => aocAppellationViticole.datasetId({ ...ctx, options: { zone: "21'; drop" } }), /zone/);
});

test(`${BACKEND}: each upstream file's duplicated feature is loaded once`, { skip }, async () => {
  const rows = await t.db.query<{ id_uni: string; n: number }>('SELECT id_uni, count(*)::int AS n FROM aoc_appellation_viticole GROUP BY id_uni ORDER BY id_uni');
  assert.deepEqual(rows, [{ id_uni: '1-475-21295', n: 1 }, { id_uni: '1-646-21295', n: 1 }]);
  const [sheet] = await t.db.query<{ feature_count: number }>(`SELECT feature_count FROM terroir_dataset WHERE id = 'aoc.appellation-viticole:21295'`);
  assert.equal(sheet.feature_count, 2, 'the dataset sheet counts the features served, after de-duplication');
});

test(`${BACKEND}: pieces of one zone published as separate rows are merged into one feature`, { skip }, async () => {
  const piece = (x: number) => ({
    index: 1, properties: { id_denom: 9999, insee: '21295', app: 'Test' },
    geometry: { type: 'Polygon', coordinates: [[[x, 47.2], [x + 0.001, 47.2], [x + 0.001, 47.201], [x, 47.201], [x, 47.2]]] },
  }) as SourceFeature;
  const c2 = { ...ctx, options: { zone: 'merge-test' } };
  const summary = await importFeatures(t.db, aocAppellationViticole, [piece(4.9), piece(4.9), piece(4.91)], c2);
  assert.deepEqual([summary.read, summary.loaded, summary.merged], [3, 1, 2]);
  assert.deepEqual(summary.merges!.map((m) => m.reason), [
    '2 rows of zone 1-9999-21295 merged into one (identical copies)',
    '2 rows of zone 1-9999-21295 merged into one (pieces of one zone, their union)',
  ]);
  const rows = await t.db.query<{ id_uni: string; n: number }>(
    `SELECT id_uni, ST_NumGeometries(geom) AS n FROM aoc_appellation_viticole WHERE dataset_id = 'aoc.appellation-viticole:merge-test'`,
  );
  assert.deepEqual(rows, [{ id_uni: '1-9999-21295', n: 2 }], 'the exact copy dropped, the two distinct pieces merged');
  await t.db.query(`DELETE FROM aoc_appellation_viticole WHERE dataset_id = 'aoc.appellation-viticole:merge-test'`);
});

test(`${BACKEND}: zones intersecting a polygon, with INAO and reference properties; contains computed in PostGIS`, { skip }, async () => {
  const around = { type: 'Polygon', coordinates: [[[4.962, 47.209], [4.975, 47.209], [4.975, 47.219], [4.962, 47.219], [4.962, 47.209]]] };
  const res = await post({ geom: around });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs', 'bbox']);
  assert.deepEqual(ids(res), ['appellation_inao_fam.1-475-21295', 'appellation_inao_fam.1-646-21295']);
  const src = JSON.parse(readFileSync(CHAPELLE, 'utf8')).features[0];
  const f = body.features[0];
  assert.deepEqual(Object.keys(f.properties), [...INAO_KEYS, ...ADDED_KEYS]);
  for (const k of INAO_KEYS) assert.deepEqual(f.properties[k], src.properties[k], k);
  assert.deepEqual(
    { idapp: f.properties.idapp, segment: f.properties.segment, appellation: f.properties.appellation, id_uni: f.properties.id_uni, granularite: f.properties.granularite, instruction_obligatoire: f.properties.instruction_obligatoire, contains: f.properties.contains },
    { idapp: 151, segment: 1, appellation: 'Chapelle-Chambertin', id_uni: '1-475-21295', granularite: 'exacte', instruction_obligatoire: false, contains: true },
  );
  assert.equal(f.geometry.type, 'MultiPolygon');
  // Same geometry as the source (Polygon → MultiPolygon), within 1e-6°.
  const ring = f.geometry.coordinates[0][0] as number[][];
  const srcRing = src.geometry.coordinates[0] as number[][];
  assert.equal(ring.length, srcRing.length);
  ring.forEach((p, i) => assert.ok(Math.abs(p[0] - srcRing[i][0]) < 1e-6 && Math.abs(p[1] - srcRing[i][1]) < 1e-6));
  assert.equal(body.features[1].properties.contains, true);
  assert.equal(body.features[1].properties.appellation, 'Griotte-Chambertin');
});

test(`${BACKEND}: contains is false when the input only overlaps the zone, or is a point`, { skip }, async () => {
  const p = await inside(475);
  const pt = await post({ geom: p });
  assert.deepEqual(ids(pt), ['appellation_inao_fam.1-475-21295']);
  assert.equal(pt.json().features[0].properties.contains, false, 'a point contains no polygon');
  const [x, y] = p.coordinates;
  const half = { type: 'Polygon', coordinates: [[[x - 0.0002, y - 0.0002], [x + 0.0002, y - 0.0002], [x + 0.0002, y + 0.0002], [x - 0.0002, y + 0.0002], [x - 0.0002, y - 0.0002]]] };
  const small = (await post({ geom: half })).json();
  assert.deepEqual(small.features.map((f: { properties: { contains: boolean } }) => f.properties.contains), [false]);
});

test(`${BACKEND}: a geometry in the commune but outside every zone answers nothing (the reference would list them by commune)`, { skip }, async () => {
  const communes = JSON.parse(readFileSync(COMMUNES_21, 'utf8')).features as { properties: { code: string }; geometry: unknown }[];
  const gevrey = communes.find((c) => c.properties.code === '21295');
  assert.ok(gevrey);
  const [{ p, inCommune }] = await t.db.query<{ p: string; inCommune: boolean }>(
    `WITH c AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
          z AS (SELECT ST_Buffer(ST_Union(geom), 0.002) AS g FROM aoc_appellation_viticole),
          pt AS (SELECT ST_PointOnSurface(ST_Difference(c.g, z.g)) AS g FROM c, z)
     SELECT ST_AsGeoJSON(pt.g) AS p, ST_Contains(c.g, pt.g) AS "inCommune" FROM pt, c`,
    [JSON.stringify(gevrey.geometry)],
  );
  assert.equal(inCommune, true);
  const res = await post({ geom: JSON.parse(p) });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().totalFeatures, 0);
  assert.equal(res.json().crs, null);
});

test(`${BACKEND}: a line across the shared boundary meets both zones; GET works as POST`, { skip }, async () => {
  const a = (await inside(475)).coordinates;
  const b = (await inside(646)).coordinates;
  const line = { type: 'LineString', coordinates: [a, b] };
  const res = await t.app.inject({ method: 'GET', url: `/api/aoc/appellation-viticole?source=prd&geom=${encodeURIComponent(JSON.stringify(line))}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(ids(res), ['appellation_inao_fam.1-475-21295', 'appellation_inao_fam.1-646-21295']);
  assert.deepEqual(res.json().features.map((f: { properties: { contains: boolean } }) => f.properties.contains), [false, false]);
});

test(`${BACKEND}: source and apikey are accepted as the reference takes them, never required`, { skip }, async () => {
  const p = await inside(646);
  for (const extra of [{}, { source: 'prd' }, { source: 'qlf', apikey: 'une-cle' }, { apikey: '' }]) {
    const res = await post({ geom: p, ...extra });
    assert.equal(res.statusCode, 200, `${JSON.stringify(extra)}: ${res.body}`);
    assert.deepEqual(ids(res), ['appellation_inao_fam.1-646-21295']);
  }
  const bad = assertProblem(await post({ geom: p, source: 'prod' }), 400, 'source');
  assert.equal(bad.message.source.msg, "La valeur de l'attribut 'Source' doit être 'qlf' ou 'prd'");
  assert.equal(bad.invalid_params[0].in, 'body');
  const badGet = assertProblem(await t.app.inject({ method: 'GET', url: `/api/aoc/appellation-viticole?source=x&geom=${encodeURIComponent(JSON.stringify(p))}` }), 400, 'source');
  assert.equal(badGet.invalid_params[0].in, 'query');
});

test(`${BACKEND}: bad input for every parameter is a 400 naming it`, { skip }, async () => {
  const p = await inside(646);
  const bowtie = { type: 'Polygon', coordinates: [[[4.96, 47.21], [4.97, 47.22], [4.97, 47.21], [4.96, 47.22], [4.96, 47.21]]] };
  assertProblem(await post({}), 400, 'geom');
  assertProblem(await post({ source: 'prd' }), 400, 'geom');
  assertProblem(await post({ geom: '{"type":"Point","coordinates":[4.9' }), 400, 'geom');
  assertProblem(await post({ geom: { type: 'Point', coordinates: [4.9] } }), 400, 'geom');
  assertProblem(await post({ geom: bowtie }), 400, 'geom');
  assertProblem(await post({ geom: 12 }), 400, 'geom');
  assertProblem(await post({ geom: p, source: 42 }), 400, 'source');
  assertProblem(await post({ geom: p, apikey: 'k'.repeat(1001) }), 400, 'apikey');
  assertProblem(await post({ geom: p, _limit: 1001 }), 400, '_limit');
  assertProblem(await post({ geom: p, _start: -3 }), 400, '_start');
  assertProblem(await post({ geom: p, insee: '21295' }), 400, 'insee');
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/aoc/appellation-viticole' }), 400, 'geom');
  assertProblem(await t.app.inject({ method: 'GET', url: '/api/aoc/appellation-viticole?geom=nope' }), 400, 'geom');
});
