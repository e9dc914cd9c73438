/**
 * Conformance with the real API Carto: every recorded /api/cadastre answer of
 * shared/data/apicarto/cadastre is loaded as data (through the import engine and this module's
 * targets: the recorded FeatureCollections are an accepted source layout), then its request is
 * replayed and the answers compared: same features (ids, order), same property names, order and
 * values, geometries and bboxes within 1e-6°, same envelope fields.
 *
 * The requests: _requests.json says "POST, body not recorded". They were made by the R package
 * happign (tests/testthat/test-get_apicarto_cadastre.R, "apicarto-cadastre" mock directory), whose
 * get_apicarto_cadastre() sends POST with every parameter in the QUERY STRING and no body:
 * code_insee or code_dep, section, numero (padded), source_ign=PCI|BDP, _start=0, _limit=500. The
 * hash suffixes agree (parcelle-ec5c6a and localisant-ec5c6a are the same parameters, 29158 AW 1).
 * Each is replayed that way, and also as GET and as POST with a JSON body, which must answer the same.
 * Two parcel answers (41046 AK 0279, 41231 0A 0075) come from happign's geometry tests, whose shapes
 * are not recorded: they are replayed with a point inside the recorded parcel, and by attributes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { assertClose } from '../../helpers/geometry.ts';
import { skipWithoutShared } from '../../helpers/shared.ts';
import { apicartoPath, importRecorded, RECORDED } from './fixtures.ts';

const skip = skipWithoutShared('data', 'apicarto', 'cadastre', '_requests.json');

type Geometry = { type: string; coordinates: unknown };
interface Feature { type: string; id: string; geometry: Geometry; geometry_name: string; properties: Record<string, unknown>; bbox?: number[] }
interface Collection { type: string; features: Feature[]; totalFeatures: number; numberMatched: number; numberReturned: number; timeStamp: string; crs: unknown; bbox?: number[]; links?: unknown[] }

const HAPPIGN = { source_ign: 'PCI', _start: '0', _limit: '500' };
const REPLAYS: { file: string; route: string; params: Record<string, string>; geomInside?: boolean }[] = [
  { file: 'commune-9aed1e-POST.json', route: 'commune', params: { code_insee: '29158', ...HAPPIGN } },
  { file: 'division-5d28a9-POST.json', route: 'division', params: { code_insee: '29158', section: 'AW', ...HAPPIGN, source_ign: 'BDP' } },
  { file: 'feuille-4af859-POST.json', route: 'feuille', params: { code_insee: '29158', section: 'AW', ...HAPPIGN } },
  { file: 'feuille-888b40-POST.json', route: 'feuille', params: { code_dep: '29', section: 'FG', ...HAPPIGN } },
  { file: 'localisant-ec5c6a-POST.json', route: 'localisant', params: { code_insee: '29158', section: 'AW', numero: '0001', ...HAPPIGN } },
  { file: 'parcelle-ec5c6a-POST.json', route: 'parcelle', params: { code_insee: '29158', section: 'AW', numero: '0001', ...HAPPIGN } },
  { file: 'parcelle-a8be8e-POST.json', route: 'parcelle', params: { code_insee: '29158', section: 'AW', numero: '0002', ...HAPPIGN } },
  { file: 'parcelle-1e11fe-POST.json', route: 'parcelle', params: { code_insee: '29158', section: 'ZZ', numero: '9999', ...HAPPIGN } },
  { file: 'parcelle-025b38-POST.json', route: 'parcelle', params: { code_insee: '41046', section: 'AK', numero: '0279', ...HAPPIGN }, geomInside: true },
  { file: 'parcelle-fa4cf3-POST.json', route: 'parcelle', params: { code_insee: '41231', section: '0A', numero: '0075', ...HAPPIGN }, geomInside: true },
];

let t: TestApp;
before(async () => {
  if (skip) return;
  t = await testApp();
  await importRecorded(t.db);
});
after(async () => t?.close());

/** Terroir's answer against the recorded one; `timeStamp` is each answer's own time. */
function compare(ours: Collection, rec: Collection, name: string) {
  assert.deepEqual(Object.keys(ours).filter((k) => k !== 'links'), Object.keys(rec), `${name}: envelope keys in the reference's order`);
  assert.equal(ours.type, rec.type);
  for (const k of ['totalFeatures', 'numberMatched', 'numberReturned'] as const) assert.equal(ours[k], rec[k], `${name}: ${k}`);
  assert.deepEqual(ours.crs, rec.crs, `${name}: crs`);
  if (rec.bbox) assertClose(ours.bbox, rec.bbox, `${name}: bbox`);
  assert.match(ours.timeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(ours.links, undefined, `${name}: one page, no links`);
  assert.deepEqual(ours.features.map((f) => f.id), rec.features.map((f) => f.id), `${name}: same features, same order`);
  rec.features.forEach((r, i) => {
    const o = ours.features[i];
    assert.deepEqual(Object.keys(o), Object.keys(r), `${name} ${r.id}: feature keys`);
    assert.equal(o.type, r.type);
    assert.equal(o.geometry_name, r.geometry_name, `${name} ${r.id}: geometry_name`);
    assert.deepEqual(Object.keys(o.properties), Object.keys(r.properties), `${name} ${r.id}: property names and order`);
    assert.deepEqual(o.properties, r.properties, `${name} ${r.id}: property values`);
    assert.equal(o.geometry.type, r.geometry.type, `${name} ${r.id}: geometry type`);
    assertClose(o.geometry.coordinates, r.geometry.coordinates, `${name} ${r.id}: coordinates`);
    assertClose(o.bbox, r.bbox, `${name} ${r.id}: feature bbox`);
  });
}

const recorded = (file: string) => JSON.parse(readFileSync(apicartoPath(file), 'utf8')) as Collection;

test('every recorded answer has a replay, and the loader took every recorded feature', { skip }, async () => {
  const requests = JSON.parse(readFileSync(apicartoPath('_requests.json'), 'utf8')) as Record<string, { request: string; features: number }>;
  assert.deepEqual(REPLAYS.map((r) => r.file).sort(), Object.keys(requests).sort());
  for (const r of REPLAYS) assert.match(requests[r.file].request, new RegExp(`^POST https://apicarto\\.ign\\.fr/api/cadastre/${r.route} `));
  for (const { file, target } of RECORDED) {
    const rows = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target.table} WHERE dataset_id = $1`, [`cadastre.${target.layer.split('.')[1]}:${file.replace(/\.json$/, '')}`]);
    assert.equal(rows[0].n, recorded(file).features.length, file);
  }
});

for (const r of REPLAYS) {
  test(`${r.file}: ${r.route} ${JSON.stringify(r.params)}`, { skip }, async () => {
    const rec = recorded(r.file);
    const qs = new URLSearchParams(r.params).toString();
    // As happign sent it: POST, parameters in the query string, no body.
    compare((await t.app.inject({ method: 'POST', url: `/api/cadastre/${r.route}?${qs}` })).json(), rec, `${r.file} (POST query)`);
    // The same request as GET and as POST with a JSON body.
    compare((await t.app.inject({ url: `/api/cadastre/${r.route}?${qs}` })).json(), rec, `${r.file} (GET)`);
    compare((await t.app.inject({ method: 'POST', url: `/api/cadastre/${r.route}`, payload: r.params })).json(), rec, `${r.file} (POST body)`);
    if (r.geomInside) {
      const [p] = await t.db.query<{ g: string }>(
        `SELECT ST_AsGeoJSON(ST_PointOnSurface(ST_GeomFromGeoJSON($1)), 9) AS g`,
        [JSON.stringify(rec.features[0].geometry)],
      );
      compare((await t.app.inject({ method: 'POST', url: `/api/cadastre/${r.route}`, payload: { geom: JSON.parse(p.g), ...HAPPIGN } })).json(), rec, `${r.file} (geom)`);
    }
  });
}
