/**
 * Conformance with the real API Carto: the recorded answers of /api/rpg/v1 and /api/rpg/v2
 * (shared/data/apicarto/rpg/raw, with _requests.json giving each exact request) are replayed against
 * Terroir loaded with the union of the recorded features, and compared feature by feature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { assertClose } from '../../helpers/geometry.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { rpgIlotApicarto, rpgParcelleApicarto } from '../../../src/modules/rpg/layers.ts';
import { importFiles } from '../../../src/import/engine.ts';

const skip = skipWithoutShared('data', 'apicarto', 'rpg', 'raw', '_requests.json');
const dir = (...p: string[]) => sharedPath('data', 'apicarto', 'rpg', ...p);

type Geometry = { type: string; coordinates: unknown };
interface Feature { type: string; id: string; geometry: Geometry; geometry_name: string; properties: Record<string, unknown>; bbox?: number[] }
interface Collection { type: string; features: Feature[]; totalFeatures: number; numberMatched: number; numberReturned: number; timeStamp: string; crs: unknown; bbox?: number[] }

let t: TestApp;
before(async () => {
  if (skip) return;
  t = await testApp();
  // Through the import engine, as `terroir import rpg.ilot-apicarto --annee 2010 <file>` does.
  await importFiles(t.db, rpgIlotApicarto, [dir('rpg-v1-2010-penmarch.geojson')], { campagne: 2010 });
  await importFiles(t.db, rpgParcelleApicarto, [dir('rpg-v2-2020-penmarch.geojson')], { campagne: 2020 });
  await importFiles(t.db, rpgParcelleApicarto, [dir('rpg-v2-2021-penmarch.geojson')], { campagne: 2021 });
});
after(async () => t?.close());

/**
 * Compares a Terroir answer with a recorded one. Deliberate differences, each asserted rather than
 * ignored: answers recorded in 2023 (GeoServer of the time) carry `geometry_name: "the_geom"`, no
 * feature `bbox` and a `bbox` inside `properties`; the 2024 answers, which Terroir follows, carry
 * `geometry_name: "geom"` and a feature-level `bbox`. `timeStamp` is the answer's own time.
 */
function compare(ours: Collection, rec: Collection, name: string) {
  const recKeys = Object.keys(rec);
  assert.deepEqual(Object.keys(ours).filter((k) => k !== 'links'), recKeys, `${name}: envelope keys in the reference's order`);
  assert.equal(ours.type, 'FeatureCollection');
  for (const k of ['totalFeatures', 'numberMatched', 'numberReturned'] as const) assert.equal(ours[k], rec[k], `${name}: ${k}`);
  assert.deepEqual(ours.crs, rec.crs, `${name}: crs`);
  assertClose(ours.bbox, rec.bbox, `${name}: bbox`);
  assert.match(ours.timeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(ours.features.map((f) => f.id), rec.features.map((f) => f.id), `${name}: same features, same order`);
  rec.features.forEach((r, i) => {
    const o = ours.features[i];
    const where = `${name} ${r.id}`;
    const old = r.geometry_name === 'the_geom';
    assert.equal(o.type, 'Feature');
    assert.equal(o.geometry_name, 'geom', where);
    if (!old) assert.equal(o.geometry_name, r.geometry_name, `${where}: geometry_name`);
    const { bbox: recPropBbox, ...recProps } = r.properties;
    assert.equal(recPropBbox !== undefined, old, `${where}: only 2023 answers have bbox inside properties`);
    assert.deepEqual(o.properties, recProps, `${where}: same property names, order, types and values`);
    assert.equal(o.geometry.type, r.geometry.type, `${where}: geometry type`);
    assertClose(o.geometry.coordinates, r.geometry.coordinates, `${where}: geometry`);
    assertClose(o.bbox, r.bbox ?? (recPropBbox as number[]), `${where}: feature bbox`);
    if (!old) assert.deepEqual(Object.keys(o), Object.keys(r), `${where}: feature keys`);
  });
}

const requests = skip ? {} : (JSON.parse(readFileSync(dir('raw', '_requests.json'), 'utf8')) as Record<string, { request_url: string }>);

test(`${BACKEND}: every recorded /api/rpg answer is replayed (GET as recorded)`, { skip }, async () => {
  const names = Object.keys(requests);
  assert.equal(names.length, 12);
  for (const name of names) {
    const url = new URL(requests[name].request_url);
    const res = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
    assert.equal(res.statusCode, 200, `${name}: ${res.body.slice(0, 300)}`);
    compare(res.json(), JSON.parse(readFileSync(dir('raw', name), 'utf8')), name);
  }
});

test(`${BACKEND}: the same requests as POST with a GeoJSON object body answer the same (v1 included: quirk §15.1 fixed)`, { skip }, async () => {
  for (const name of Object.keys(requests)) {
    const url = new URL(requests[name].request_url);
    const body: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) body[k] = k === 'geom' ? JSON.parse(v) : v;
    const res = await t.app.inject({ method: 'POST', url: url.pathname, payload: body });
    assert.equal(res.statusCode, 200, `${name}: ${res.body.slice(0, 300)}`);
    compare(res.json(), JSON.parse(readFileSync(dir('raw', name), 'utf8')), `POST ${name}`);
  }
});

test(`${BACKEND}: the loaded union files answer every recorded property value (natural key id_parcel / num_ilot)`, { skip }, async () => {
  // A request covering the whole sample: every feature of each union file comes back unchanged.
  const all = { type: 'Polygon', coordinates: [[[-4.4, 47.79], [-4.3, 47.79], [-4.3, 47.84], [-4.4, 47.84], [-4.4, 47.79]]] };
  for (const [version, annee, file, key] of [
    ['v1', 2010, 'rpg-v1-2010-penmarch.geojson', 'num_ilot'],
    ['v2', 2020, 'rpg-v2-2020-penmarch.geojson', 'id_parcel'],
    ['v2', 2021, 'rpg-v2-2021-penmarch.geojson', 'id_parcel'],
  ] as const) {
    const res = await t.app.inject({ method: 'POST', url: `/api/rpg/${version}`, payload: { annee, geom: all } });
    const ours = res.json() as Collection;
    const rec = JSON.parse(readFileSync(dir(file), 'utf8')) as Collection;
    assert.equal(ours.totalFeatures, rec.features.length, file);
    const byKey = new Map(ours.features.map((f) => [f.properties[key], f]));
    for (const r of rec.features) {
      const o = byKey.get(r.properties[key]);
      assert.ok(o, `${file}: ${key} ${r.properties[key]}`);
      assert.equal(o.id, r.id);
      const { bbox: _b, ...props } = r.properties;
      assert.deepEqual(o.properties, props);
      assertClose(o.geometry.coordinates, r.geometry.coordinates, `${file} ${r.id}`);
    }
  }
});
