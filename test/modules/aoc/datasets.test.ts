/**
 * Each INAO file is its own dataset (issue: `terroir import aoc.appellation-viticole a.geojson`, then
 * `b.geojson`, used to serve only b): both are served, a re-import replaces exactly its own dataset,
 * and `--replace-layer` replaces the whole layer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { tempDir } from '../../import/helpers.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { aocAppellationViticole } from '../../../src/modules/aoc/layers.ts';

const GRIOTTE = new URL('./fixtures/00646.geojson', import.meta.url);

let t: TestApp;
let tmp: ReturnType<typeof tempDir>;
let a: string;
let b: string;
before(async () => {
  t = await testApp();
  tmp = tempDir();
  // a: the real Griotte-Chambertin file; b: the same zone moved 0.1° east under another denomination,
  // in a folder of its own with the same file name (opendatawine's layout: one folder per commune).
  const fc = JSON.parse(readFileSync(GRIOTTE, 'utf8'));
  mkdirSync(join(tmp.dir, '21295'));
  mkdirSync(join(tmp.dir, '21296'));
  a = join(tmp.dir, '21295', '00646.geojson');
  b = join(tmp.dir, '21296', '00646.geojson');
  writeFileSync(a, JSON.stringify(fc));
  const shift = (c: unknown): unknown => (Array.isArray(c) && typeof c[0] === 'number' ? [c[0] + 0.1, c[1]] : (c as unknown[]).map(shift));
  const moved = { ...fc, features: fc.features.map((f: { properties: object; geometry: { coordinates: unknown } }) => ({ ...f, properties: { ...f.properties, id_denom: 9646, denom: 'Autre dénomination', insee: '21296' }, geometry: { ...f.geometry, coordinates: shift(f.geometry.coordinates) } })) };
  writeFileSync(b, JSON.stringify(moved));
});
after(async () => {
  await t?.close();
  tmp?.cleanup();
});

const served = async () =>
  (await t.app.inject({ method: 'POST', url: '/api/aoc/appellation-viticole', payload: { geom: { type: 'Polygon', coordinates: [[[4, 47], [6, 47], [6, 48], [4, 48], [4, 47]]] } } }))
    .json()
    .features.map((f: { properties: { id_uni: string } }) => f.properties.id_uni)
    .sort();

test(`${BACKEND}: two INAO files imported one after the other are both served; a re-import replaces exactly its own`, async () => {
  const sa = await importFiles(t.db, aocAppellationViticole, [a]);
  const sb = await importFiles(t.db, aocAppellationViticole, [b]);
  assert.deepEqual([sa.datasets[0].id, sb.datasets[0].id], ['aoc.appellation-viticole:21295/00646.geojson', 'aoc.appellation-viticole:21296/00646.geojson']);
  assert.equal(sb.replaced, 0, 'b replaced nothing of a');
  // opendatawine files hold their feature twice: the copy is merged, and said (read = loaded + merged + rejected).
  assert.deepEqual([sa.read, sa.loaded, sa.merged, sa.rejected], [2, 1, 1, 0]);
  assert.deepEqual(sa.merges!.map((m) => m.reason), ['2 rows of zone 1-646-21295 merged into one (identical copies)']);
  assert.deepEqual(await served(), ['1-646-21295', '1-9646-21296']);
  const again = await importFiles(t.db, aocAppellationViticole, [a]);
  assert.deepEqual([again.datasets[0].id, again.replaced], ['aoc.appellation-viticole:21295/00646.geojson', 1]);
  assert.deepEqual(await served(), ['1-646-21295', '1-9646-21296']);
});

test(`${BACKEND}: --replace-layer replaces every dataset of the layer, rows and sheets`, async () => {
  await importFiles(t.db, aocAppellationViticole, [b], { replaceLayer: true });
  assert.deepEqual(await served(), ['1-9646-21296']);
  const sheets = await t.db.query<{ id: string }>(`SELECT id FROM terroir_dataset WHERE layer = 'aoc.appellation-viticole' ORDER BY id`);
  assert.deepEqual(sheets.map((s) => s.id), ['aoc.appellation-viticole:21296/00646.geojson']);
});
