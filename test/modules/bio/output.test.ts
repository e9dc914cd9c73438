/**
 * The zipped Shapefile answer: asked by `format=shapefile` or Accept, five members, UTF-8, field
 * names ≤ 10 characters, and read back (by Terroir's own reader, and by GDAL's ogr2ogr when it is
 * installed) equal to the GeoJSON answer feature by feature, in WGS84 and in Lambert-93; the overseas
 * projections checked against PostGIS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFiles } from '../../../src/import/engine.ts';
import { openZip } from '../../../src/import/readers/zip.ts';
import { readShapefile } from '../../../src/import/readers/shapefile.ts';
import type { SourceFeature } from '../../../src/import/readers/feature.ts';
import { bioParcelleTarget } from '../../../src/modules/bio/layers.ts';
import { DBF_FIELDS } from '../../../src/modules/bio/output.ts';
import { assertClose } from '../../helpers/geometry.ts';
import { tempDir } from '../../import/helpers.ts';
import { auth, bioApp, type BioApp } from './helpers.ts';

type Feature = { id: string; geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> };
let t: BioApp;
const tmp = tempDir('terroir-bio-out-');
const hasGdal = spawnSync('ogr2ogr', ['--version']).status === 0 && spawnSync('ogrinfo', ['--version']).status === 0;
/** Skipped where GDAL is absent, except in CI (.ci/run installs gdal-bin): there the GDAL check must run. */
function gdalSkip(): string | false {
  if (hasGdal) return false;
  if (process.env.CI === 'true') throw new Error('CI=true and GDAL (ogr2ogr, ogrinfo) is not installed: the Shapefile answer must be checked by GDAL in CI');
  return 'GDAL is not installed';
}

before(async () => {
  t = await bioApp();
  // A CartoBio record with conversion stages and engagement dates (DBF D fields), in commune 29001.
  const file = join(tmp.dir, 'exploitation-test.geojson');
  const sq = (x: number, y: number) => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.003, y], [x + 0.003, y + 0.003], [x, y + 0.003], [x, y]]] });
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [
    { type: 'Feature', id: '1.1', properties: { com: '29001', culture_type: ['LUZ'], niveau_conversion: 'C2', engagement_date: '2022-04-15' }, geometry: sq(-4.15, 47.72) },
    { type: 'Feature', id: '1.2', properties: { com: '29001', culture_type: ['ORH'], niveau_conversion: 'AB', engagement_date: '2019-05-02' }, geometry: sq(-4.15, 47.88) },
    { type: 'Feature', id: '2.1', properties: { com: '29001', culture_type: ['BTH'], niveau_conversion: 'CONV', engagement_date: null }, geometry: sq(-4.12, 47.72) },
  ] }));
  await importFiles(t.db, bioParcelleTarget, [file], { campagne: 2023, options: { exploitation: '029000001' } });
});
after(async () => {
  await t?.close();
  tmp.cleanup();
});

async function geojson(url: string): Promise<Feature[]> {
  const res = await t.app.inject({ method: 'GET', url, headers: auth(t.world.ssp.key) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().features;
}

async function shapefile(url: string, headers: Record<string, string> = {}): Promise<{ path: string; members: string[] }> {
  const res = await t.app.inject({ method: 'GET', url, headers: { ...auth(t.world.ssp.key), ...headers } });
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="cartobio-epci-200000001-2023\.zip"$/);
  const path = join(tmp.dir, `answer-${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(path, res.rawPayload);
  const z = await openZip(path);
  const members = z.members.map((m) => m.path).sort();
  z.close();
  return { path, members };
}

/** Same ring orientation for both (the shapefile's outer rings are clockwise, GeoJSON's may not be). */
function rings(g: { type: string; coordinates?: unknown }): number[][][] {
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
  return polys.flat().map((r) => {
    let a = 0;
    for (let k = 0; k < r.length - 1; k++) a += r[k][0] * r[k + 1][1] - r[k + 1][0] * r[k][1];
    return a < 0 ? r : [...r].reverse();
  });
}

/** The DBF record expected for a GeoJSON feature. */
function expected(f: Feature): Record<string, unknown> {
  const out: Record<string, unknown> = { [DBF_FIELDS.id.name]: f.id };
  for (const [p, v] of Object.entries(f.properties)) out[DBF_FIELDS[p].name] = v === null ? null : DBF_FIELDS[p].type === 'N' ? Number((v as number).toFixed(DBF_FIELDS[p].decimals ?? 0)) : v;
  return out;
}
/** Empty text as null, and fields GDAL leaves unset (an empty date) as null. */
const clean = (r: Record<string, unknown>) => {
  const all = { ...Object.fromEntries(Object.values(DBF_FIELDS).map((f) => [f.name, null])), ...r };
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v === '' ? null : v]));
};

for (const srid of [4326, 2154]) {
  test(`EPSG:${srid}: the zipped Shapefile read back by Terroir's reader equals the GeoJSON answer, feature by feature`, async () => {
    const q = `millesime=2023${srid === 4326 ? '' : `&srid=${srid}`}`;
    const features = await geojson(`/api/v1/territoires/epci/200000001?${q}`);
    assert.equal(features.length, 7, '5 RPG bio parcels and 2 organic CartoBio ones (the CONV one is not organic)');
    const { path, members } = await shapefile(`/api/v1/territoires/epci/200000001?${q}&format=shapefile`);
    assert.deepEqual(members, ['cartobio-epci-200000001-2023.cpg', 'cartobio-epci-200000001-2023.dbf', 'cartobio-epci-200000001-2023.prj', 'cartobio-epci-200000001-2023.shp', 'cartobio-epci-200000001-2023.shx']);
    const z = await openZip(path);
    const m = (ext: string) => z.source(z.members.find((x) => x.path.endsWith(ext))!);
    const prj = await new Promise<string>((resolve) => {
      void (async () => {
        let s = '';
        for await (const c of await m('.prj').open()) s += c.toString();
        resolve(s);
      })();
    });
    assert.match(prj, srid === 4326 ? /WGS 84/ : /Lambert-93/);
    const records: SourceFeature[] = [];
    for await (const r of readShapefile({ shp: m('.shp'), dbf: m('.dbf') }, { encoding: 'utf-8' })) records.push(r);
    z.close();
    assert.equal(records.length, features.length);
    features.forEach((f, i) => {
      assert.deepEqual(clean(records[i].properties), expected(f), `feature ${i}`);
      assertClose(rings(records[i].geometry!), rings(f.geometry), `feature ${i}`, 0);
    });
    assert.ok(records.some((r) => r.properties.DATE_ENGAG === '2022-04-15' && r.properties.CONVERSION === 'C2'));
    assert.ok(records.some((r) => r.properties.LBL_CULTU === 'Maïs ensilage'), 'UTF-8 labels');
  });
}

test('the overseas legal projections on request: coordinates as PostGIS transforms the WGS84 answer, and the .prj names the CRS', async () => {
  const wgs = await geojson('/api/v1/territoires/epci/200000001?millesime=2023');
  for (const [srid, name] of [[5490, /RGAF09 \/ UTM zone 20N/], [2972, /RGFG95 \/ UTM zone 22N/], [2975, /RGR92 \/ UTM zone 40S/], [4471, /RGM04 \/ UTM zone 38S/]] as const) {
    const projected = await geojson(`/api/v1/territoires/epci/200000001?millesime=2023&srid=${srid}`);
    assert.deepEqual(projected.map((f) => f.id), wgs.map((f) => f.id), `EPSG:${srid}: the same parcels`);
    const [want] = await t.db.query<{ g: string }>('SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), $2::int)) AS g', [JSON.stringify(wgs[0].geometry), srid]);
    // The WGS84 answer is rounded to 1e-7° (about 1 cm): the projected one agrees within a few centimetres.
    assertClose(projected[0].geometry.coordinates, JSON.parse(want.g).coordinates, `EPSG:${srid}`, 0.05);
    const { path } = await shapefile(`/api/v1/territoires/epci/200000001?millesime=2023&srid=${srid}&format=shapefile`);
    const z = await openZip(path);
    let prj = '';
    for await (const c of await z.source(z.members.find((x) => x.path.endsWith('.prj'))!).open()) prj += c.toString();
    z.close();
    assert.match(prj, name, `EPSG:${srid}`);
  }
});

test('Accept: application/vnd.shp+octet-stream or application/zip asks for the Shapefile; format=geojson wins over Accept', async () => {
  for (const accept of ['application/vnd.shp+octet-stream', 'application/zip']) {
    const { members } = await shapefile('/api/v1/territoires/epci/200000001?millesime=2023', { accept });
    assert.equal(members.length, 5);
  }
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/territoires/epci/200000001?format=geojson', headers: { ...auth(t.world.ssp.key), accept: 'application/zip' } });
  assert.match(String(res.headers['content-type']), /geo\+json/);
});

test('the audit row of a Shapefile answer counts its parcels', async () => {
  await shapefile('/api/v1/territoires/epci/200000001?millesime=2023&format=shapefile');
  const [r] = await t.db.query<{ features: number }>('SELECT features FROM auth_audit ORDER BY seq DESC LIMIT 1');
  assert.equal(r.features, 7);
});

test('GDAL (ogr2ogr) reads the Shapefile as the GeoJSON answer, feature by feature', { skip: gdalSkip() }, async () => {
  const features = await geojson('/api/v1/territoires/epci/200000001?millesime=2023');
  const { path } = await shapefile('/api/v1/territoires/epci/200000001?millesime=2023&format=shapefile');
  const out = spawnSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', `/vsizip/${path}`], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const gdal = JSON.parse(out.stdout).features as Feature[];
  assert.equal(gdal.length, features.length);
  features.forEach((f, i) => {
    assert.deepEqual(clean(gdal[i].properties), expected(f), `feature ${i}`);
    assertClose(rings(gdal[i].geometry), rings(f.geometry), `feature ${i}`, 1e-9);
  });
  const info = spawnSync('ogrinfo', ['-so', '-al', `/vsizip/${path}`], { encoding: 'utf8' });
  assert.match(info.stdout, /Feature Count: 7/);
  assert.match(info.stdout, /Geometry: Polygon/);
});

test('conventional parcels: only under /conventionnel, only with the scope cartobio:conventionnel', async () => {
  const url = '/api/v1/territoires/conventionnel/insee/29001?millesime=2023';
  const refused = await t.app.inject({ method: 'GET', url, headers: auth(t.world.ssp.key) });
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().detail, /cartobio:conventionnel/);
  const { issueKey } = await import('../../../src/auth/keys.ts');
  const conv = (await issueKey(t.db, { organisation: t.world.ssp.id, scopes: ['cartobio:conventionnel'] })).key;
  const res = await t.app.inject({ method: 'GET', url, headers: auth(conv) });
  assert.equal(res.statusCode, 200, res.body);
  const fc = res.json();
  assert.deepEqual(fc.features.map((f: Feature) => [f.properties.codeculture, f.properties.bio, f.properties.conversion]), [['BTH', 0, 'CONV']]);
  // That key reads no organic parcel, and the organic answer holds no conventional one.
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/territoires/insee/29001', headers: auth(conv) })).statusCode, 403);
  const organic = await geojson('/api/v1/territoires/insee/29001?millesime=2023');
  assert.ok(organic.every((f) => f.properties.bio === 1 && f.properties.conversion !== 'CONV'));
  const synth = await t.app.inject({ method: 'GET', url: '/api/v1/territoires/conventionnel/insee/29001/synthese?millesime=2023', headers: auth(conv) });
  assert.equal(synth.json().parcelles_bio, 1);
});
