/**
 * Conformance with the real API Carto: every recorded /api/gpu answer (shared/data/apicarto/gpu) is
 * loaded as data through the `gpu.<layer>-apicarto` import targets, its request is replayed on
 * Terroir (GET query string as recorded; POST bodies were not recorded, so they are rebuilt from the
 * happign test that made them: tests/testthat/test-get_apicarto_gpu.R), and the two answers are
 * compared: same features (by id, or by partition + name where GeoServer gave a session fid), same
 * property values, geometries within 1e-6°, same envelope. Deliberate differences are listed in
 * DIFFERENCES and asserted as such, each with its reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testApp, type TestApp } from '../../helpers/app.ts';
import { BACKEND } from '../../helpers/db.ts';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.ts';
import { importFiles } from '../../../src/import/engine.ts';
import { IMPORT_TARGETS } from '../../helpers/catalog.ts';
import { gpuLayer } from '../../../src/modules/gpu/layers.ts';

const DIR = sharedPath('data', 'apicarto', 'gpu');
const skip = skipWithoutShared('data', 'apicarto', 'gpu');
const TOL = 1e-6;

type Json = Record<string, unknown>;
interface Feature { type: string; id: string; geometry: { type: string; coordinates: unknown } | null; geometry_name: string; properties: Json; bbox?: number[] }
interface Collection { type: string; features: Feature[]; totalFeatures: number; numberMatched?: number; numberReturned?: number; timeStamp?: string; crs: Json | null; bbox?: number[] }

const recorded = (file: string): Collection => JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8'));
const requests = (): Record<string, { request_url: string; method: string }> => JSON.parse(readFileSync(`${DIR}/_requests.json`, 'utf8'));

/**
 * What Terroir deliberately answers differently, and why (docs/gpu.md "Differences from API Carto").
 * - `bbox` inside properties: GeoServer put it there until 2023; Terroir, like today's GeoServer,
 *   puts it on the feature (compared there instead).
 * - municipality `gid`: answers before 2025 had it; today's have `is_coastline` and no `gid`.
 *   Terroir answers today's set (the id still carries the number: `municipality.33586732`).
 * - document `gpu_doc_id`, `gpu_status`, `gpu_timestamp`: absent before 2025, answered (null when the
 *   recording has no value) by Terroir.
 * - feature ids `document.fid-…`: GeoServer session fids, not stable; Terroir answers `document.<gid>`.
 * - `crs` `{"type":"EPSG","properties":{"code":"4326"}}` (GeoServer before 2023): Terroir answers
 *   today's `urn:ogc:def:crs:EPSG::4326` name form.
 * - Answers before 2023 have no numberMatched / numberReturned / timeStamp: Terroir always has them.
 */
const ADDED_SINCE: Record<string, string[]> = { municipality: ['is_coastline'], document: ['gpu_doc_id', 'gpu_status', 'gpu_timestamp'] };
const DROPPED_SINCE: Record<string, string[]> = { municipality: ['gid'] };
/** A recording whose text lost a character (the R mock stored `forestière` as `foresti?re`). */
const MANGLED = /\?/;

function flat(c: unknown, out: number[] = []): number[] {
  if (typeof c === 'number') out.push(c);
  else if (Array.isArray(c)) for (const x of c) flat(x, out);
  return out;
}

function near(a: number[] | undefined, b: number[] | undefined, what: string) {
  assert.ok(a && b, `${what}: both present`);
  assert.equal(a.length, b.length, `${what}: same number of coordinates`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= TOL, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/**
 * Vertex by vertex within 1e-6°; or, where the recorded geometry is invalid for PostGIS (imports
 * repair with ST_MakeValid, which may start a ring elsewhere, split it at a self-touching point or
 * drop a collapsed sliver), the recorded geometry as repaired, within 1e-6° (Hausdorff), and the
 * same area to 1e-6 relative.
 */
async function sameGeometry(o: Feature['geometry'], r: Feature['geometry'], what: string) {
  const a = flat(o?.coordinates);
  const b = flat(r?.coordinates);
  if (a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= TOL)) return;
  const [g] = await t.db.query<{ valid: boolean; d: number; area: number }>(
    `SELECT ST_IsValid(r) AS valid, ST_HausdorffDistance(o, ST_CollectionExtract(ST_MakeValid(r), ST_Dimension(o) + 1)) AS d,
            abs(ST_Area(o) - ST_Area(ST_MakeValid(r))) / NULLIF(ST_Area(o), 0) AS area
       FROM (SELECT ST_GeomFromGeoJSON($1) AS o, ST_GeomFromGeoJSON($2) AS r) x`,
    [JSON.stringify(o), JSON.stringify(r)],
  );
  assert.equal(g.valid, false, `${what}: a valid recorded geometry must come back vertex for vertex`);
  assert.ok(g.d <= TOL, `${what}: ${g.d}° away from the recorded geometry made valid`);
  assert.ok((g.area ?? 0) <= 1e-6, `${what}: area differs by ${g.area}`);
}

/** Documents by their natural key (GeoServer gave some of them session fids), the rest by id. */
const keyOf = (f: Feature) => (f.id.startsWith('document.') ? `${f.properties.partition}/${f.properties.name}` : f.id);

/** Compares Terroir's answer with the recorded one, allowing only the differences listed above. */
async function compare(route: string, rec: Collection, ours: Collection, opts: { mangled?: string[] } = {}) {
  assert.equal(ours.type, 'FeatureCollection');
  assert.equal(ours.totalFeatures, rec.totalFeatures, 'totalFeatures');
  if (rec.numberMatched !== undefined) assert.equal(ours.numberMatched, rec.numberMatched, 'numberMatched');
  if (rec.numberReturned !== undefined) assert.equal(ours.numberReturned, rec.numberReturned, 'numberReturned');
  assert.equal(ours.numberReturned, rec.features.length);
  assert.match(String(ours.timeStamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  if (rec.crs === null) assert.equal(ours.crs, null, 'crs null when empty');
  else assert.deepEqual(ours.crs, { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4326' } });
  if (rec.bbox) near(ours.bbox, rec.bbox, 'collection bbox');
  else assert.equal(ours.bbox, undefined, 'no bbox when empty');

  const layerProps = gpuLayer(route).descriptor.properties.map((p) => p.name);
  const mine = new Map(ours.features.map((f) => [keyOf(f), f]));
  assert.equal(mine.size, ours.features.length);
  assert.deepEqual([...mine.keys()].sort(), rec.features.map(keyOf).sort(), 'same features');
  for (const r of rec.features) {
    const o = mine.get(keyOf(r))!;
    const what = `${route} ${r.id}`;
    assert.equal(o.geometry_name, r.geometry_name, `${what}: geometry_name`);
    if (/\.fid-/.test(r.id)) assert.equal(o.id, `document.${r.properties.gid}`, `${what}: stable id instead of the session fid`);
    else assert.equal(o.id, r.id, `${what}: id`);
    assert.deepEqual(Object.keys(o.properties), layerProps, `${what}: Terroir's property set`);
    const { bbox: propBbox, ...props } = r.properties as Json & { bbox?: number[] };
    for (const [k, v] of Object.entries(props)) {
      if (DROPPED_SINCE[route]?.includes(k)) {
        assert.equal(k in o.properties, false, `${what}: ${k} is no longer answered`);
        assert.equal(o.id, `${route}.${v}`, `${what}: the id carries the old gid`);
        continue;
      }
      if (opts.mangled?.includes(k) && typeof v === 'string' && MANGLED.test(v)) {
        // Same text but for the lost character: Terroir has the real one.
        assert.match(String(o.properties[k]), new RegExp(`^${v.replace(/[.*+()[\]{}^$|\\]/g, '\\$&').replace(/\\?\?/g, '[^\\x00-\\x7f]')}$`));
        continue;
      }
      assert.deepEqual(o.properties[k], v, `${what}: ${k}`);
    }
    for (const k of layerProps) if (!(k in props) && !DROPPED_SINCE[route]?.includes(k)) {
      assert.ok(ADDED_SINCE[route]?.includes(k), `${what}: ${k} is answered by Terroir but not in this recording`);
    }
    assert.equal(o.geometry?.type, r.geometry?.type, `${what}: geometry type`);
    await sameGeometry(o.geometry, r.geometry, what);
    near(o.bbox, r.bbox ?? propBbox, `${what}: feature bbox`);
  }
}

let t: TestApp;
before(async () => {
  t = await testApp();
});
after(async () => t.close());

async function load(route: string, ...files: string[]) {
  const target = IMPORT_TARGETS.get(`gpu.${route}-apicarto`)!;
  for (const f of files) await importFiles(t.db, target, [`${DIR}/${f}`]);
}
async function unload(route: string, file: string) {
  const d = gpuLayer(route).descriptor;
  await t.db.query(`DELETE FROM ${d.table} WHERE dataset_id = $1`, [`${d.id}:apicarto:${file}`]);
  await t.db.query(`DELETE FROM gpu_document_commune WHERE dataset_id = $1`, [`${d.id}:apicarto:${file}`]);
}
async function replayGet(file: string): Promise<Collection> {
  const url = new URL(requests()[file].request_url);
  assert.equal(requests()[file].method, 'GET');
  const res = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json();
}
async function replayPost(file: string, body: Json): Promise<Collection> {
  const url = new URL(requests()[file].request_url);
  assert.match(requests()[file].method, /^POST/);
  const res = await t.app.inject({ method: 'POST', url: url.pathname, payload: body });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json();
}

test(`${BACKEND}: zone-urba — the 39 zones of DU_17345, and the two Point queries among them`, { skip }, async () => {
  await load('zone-urba', 'zone-urba-8f23f7.json');
  await compare('zone-urba', recorded('zone-urba-8f23f7.json'), await replayGet('zone-urba-8f23f7.json'));
  // The Point answers are replayed against the whole partition: the query must pick the right zone.
  await compare('zone-urba', recorded('zone-urba-41ed1c.json'), await replayGet('zone-urba-41ed1c.json'));
  await compare('zone-urba', recorded('zone-urba-04fd99.json'), await replayGet('zone-urba-04fd99.json'), { mangled: ['libelong'] });
  const ours = await replayGet('zone-urba-04fd99.json');
  assert.equal(ours.features[0].properties.libelong, 'N : Zone naturelle et forestière', 'the accent the recording lost');
});

test(`${BACKEND}: municipality — 93014, 93015 (GET, 2023) and 29158, 29072 (POST, 2025)`, { skip }, async () => {
  await load('municipality', 'municipality-5738ea.json', 'municipality-0b161d.json', 'municipality-eff556-POST.json', 'municipality-6b88d0-POST.json');
  await compare('municipality', recorded('municipality-5738ea.json'), await replayGet('municipality-5738ea.json'));
  await compare('municipality', recorded('municipality-0b161d.json'), await replayGet('municipality-0b161d.json'));
  // happign: get_apicarto_gpu("29158", "municipality") / ("29072", …) → body {insee}
  await compare('municipality', recorded('municipality-eff556-POST.json'), await replayPost('municipality-eff556-POST.json', { insee: '29158' }));
  await compare('municipality', recorded('municipality-6b88d0-POST.json'), await replayPost('municipality-6b88d0-POST.json', { insee: '29072' }));
});

test(`${BACKEND}: document — by partition (93014, 93015) and by Point (26215, 26321), then the 2025 POST answers`, { skip }, async () => {
  const gets = ['document-07eb73.json', 'document-b95b4f.json', 'document-6c9cbf.json', 'document-1b1365.json'];
  await load('document', ...gets);
  for (const f of gets) await compare('document', recorded(f), await replayGet(f));
  // The 2025 answer for DU_26321 is another version of the same document (gid 3665 instead of 23333):
  // served alone, as the reference served one version at a time.
  await unload('document', 'document-1b1365.json');
  await load('document', 'document-1bc3c9-POST.json', 'document-c52acf-POST.json', 'document-aed1a5-POST.json');
  // happign: get_apicarto_gpu(st_point(c(5.270, 44.559)), "document") → body {geom}
  await compare('document', recorded('document-1bc3c9-POST.json'), await replayPost('document-1bc3c9-POST.json', { geom: { type: 'Point', coordinates: [5.27, 44.559] } }));
  await compare('document', recorded('document-c52acf-POST.json'), await replayPost('document-c52acf-POST.json', { partition: 'DU_29158' }));
  await compare('document', recorded('document-aed1a5-POST.json'), await replayPost('document-aed1a5-POST.json', { partition: 'DU_29072' }));
  // Both documents at once, as happign's "multiple partition" call gathers them.
  const both = [(await replayPost('document-c52acf-POST.json', { partition: 'DU_29158' })).features[0], (await replayPost('document-aed1a5-POST.json', { partition: 'DU_29072' })).features[0]];
  assert.deepEqual(both.map((f) => f.properties.name), ['29158_PLU_20230828', '29072_PLU_20220929']);
});

test(`${BACKEND}: a loaded GPU document makes its commune not RNU even without the GPU's flag`, { skip }, async () => {
  await load('document', 'document-1bc3c9-POST.json'); // DU_26321, grid_name 26321
  // Communes as the administrative units would derive them: no is_rnu of their own.
  await t.db.query(`INSERT INTO gpu_municipality (dataset_id, insee, name) VALUES ('derived-test', '26321', 'SAINT-NAZAIRE-LE-DESERT'), ('derived-test', '26001', 'AIX-EN-DIOIS')`);
  const rnu = async (insee: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/gpu/municipality?insee=${insee}` });
    assert.equal(res.statusCode, 200);
    return (res.json() as Collection).features.map((f) => f.properties.is_rnu);
  };
  assert.deepEqual(await rnu('26321'), [false]);
  assert.deepEqual(await rnu('26001'), [true]);
  await unload('document', 'document-1bc3c9-POST.json');
  assert.deepEqual(await rnu('26321'), [true], 'without its document the commune is RNU');
  await t.db.query(`DELETE FROM gpu_municipality WHERE dataset_id = 'derived-test'`);
});

test(`${BACKEND}: generateur-sup-l — the empty answer for DU_29158 / AC1`, { skip }, async () => {
  // happign: get_apicarto_gpu("DU_29158", "generateur-sup-l", "AC1") → body {partition, categorie}
  const ours = await replayPost('generateur-sup-l-9bf712-POST.json', { partition: 'DU_29158', categorie: 'AC1' });
  await compare('generateur-sup-l', recorded('generateur-sup-l-9bf712-POST.json'), ours);
  assert.deepEqual(Object.keys(ours), ['type', 'features', 'totalFeatures', 'numberMatched', 'numberReturned', 'timeStamp', 'crs']);
});

test('every recorded GPU answer is replayed by a test of this file', { skip }, () => {
  const replayed = new Set([
    'zone-urba-8f23f7.json', 'zone-urba-41ed1c.json', 'zone-urba-04fd99.json',
    'municipality-5738ea.json', 'municipality-0b161d.json', 'municipality-eff556-POST.json', 'municipality-6b88d0-POST.json',
    'document-07eb73.json', 'document-b95b4f.json', 'document-6c9cbf.json', 'document-1b1365.json',
    'document-1bc3c9-POST.json', 'document-c52acf-POST.json', 'document-aed1a5-POST.json', 'generateur-sup-l-9bf712-POST.json',
  ]);
  assert.deepEqual(Object.keys(requests()).sort(), [...replayed].sort());
});
