/**
 * Appellations delimited at the commune level (`granularite: commune`, like the reference) served
 * beside the parcel-level zones (`exacte`), from an INAO table of communes and appellations; every
 * row accounted for (loaded, or rejected with why).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { CATALOG } from '../../helpers/catalog.ts';
import { importFiles, importWith } from '../../../src/import/engine.ts';
import { aocAppellationViticole } from '../../../src/modules/aoc/layers.ts';
import { loadContours } from '../../../src/modules/limites-administratives/contours.ts';
import { MODULES } from '../../../src/modules/index.ts';

const CSV = fileURLToPath(new URL('./fixtures/aires-communes.csv', import.meta.url));
const GRIOTTE = fileURLToPath(new URL('./fixtures/00646.geojson', import.meta.url));

let t: TestApp;
before(async () => {
  t = await testApp();
  await MODULES.find((m) => m.name === 'limites-administratives')!.bootstrap!(t.db, t.app.log);
  // Gevrey-Chambertin's contour (a box around the commune); Penmarch has none here.
  const box = { type: 'Polygon', coordinates: [[[4.9, 47.18], [5.05, 47.18], [5.05, 47.26], [4.9, 47.26], [4.9, 47.18]]] };
  await loadContours(t.db, 'commune', [{ code: '21295', geometry: box }], { source: 'gevrey', producer: 'tests', licence: 'none' });
  await importFiles(t.db, aocAppellationViticole, [GRIOTTE]);
});
after(async () => t?.close());

test(`${BACKEND}: commune-level appellations import from the INAO table, each row loaded or rejected with why`, async () => {
  const [s] = await importWith(t.db, CATALOG.target('aoc.appellation-viticole-communes')!, [CSV]);
  assert.deepEqual([s.read, s.loaded, s.rejected], [4, 2, 2]);
  assert.deepEqual(s.rejections.map((r) => r.reason).sort(), [
    '21999: no such commune in the administrative units',
    '29158: the commune has no contour (import limites-administratives.commune first)',
  ]);
});

test(`${BACKEND}: an answer lists the parcel-level zone (exacte) and the commune-level appellations (commune) of the point`, async () => {
  const p = (await t.db.query<{ p: string }>(`SELECT ST_AsGeoJSON(ST_PointOnSurface(geom), 12) AS p FROM aoc_appellation_viticole WHERE segment = 1`))[0].p;
  const res = await t.app.inject({ method: 'POST', url: '/api/aoc/appellation-viticole', payload: { geom: JSON.parse(p) } });
  assert.equal(res.statusCode, 200, res.body);
  const got = res.json().features.map((f: { properties: Record<string, unknown> }) => [f.properties.id_uni, f.properties.granularite, f.properties.segment, f.properties.appellation]);
  assert.deepEqual(got.sort(), [
    ['1-646-21295', 'exacte', 1, 'Griotte-Chambertin'],
    ['2-1187-21295', 'commune', 2, 'Bourgogne'],
    ['2-1222-21295', 'commune', 2, 'Côte de Nuits-Villages'],
  ]);
  // The commune-level feature has the commune's contour.
  const bourgogne = res.json().features.find((f: { properties: { id_uni: string } }) => f.properties.id_uni === '2-1187-21295');
  assert.deepEqual(bourgogne.bbox, [4.9, 47.18, 5.05, 47.26]);
  // Outside the parcel zone but in the commune: only the commune-level ones.
  const out = await t.app.inject({ method: 'POST', url: '/api/aoc/appellation-viticole', payload: { geom: { type: 'Point', coordinates: [4.91, 47.19] } } });
  assert.deepEqual(out.json().features.map((f: { properties: { granularite: string } }) => f.properties.granularite), ['commune', 'commune']);
});
